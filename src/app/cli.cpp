#include "app/cli.hpp"

#include <cstdio>

namespace leadgate::app {

int RunCli(int, char**) {
  std::fprintf(stderr, "leadgate: not yet implemented\n");
  return 2;
}

}  // namespace leadgate::app

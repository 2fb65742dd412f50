#include "app/cli.hpp"

int main(int argc, char** argv) { return leadgate::app::RunCli(argc, argv); }

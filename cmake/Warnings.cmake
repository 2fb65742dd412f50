# One INTERFACE target carries the warning set; every leadgate target links it PRIVATE.
add_library(leadgate_warnings INTERFACE)
target_compile_options(leadgate_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror
  -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused
  -Woverloaded-virtual -Wimplicit-fallthrough
  -Wno-maybe-uninitialized)   # g++ 12 false positives inside std::optional/expected at -O2

// File: cli.hpp
//
// The `leadgate` command line: argv in, exit code out.
#pragma once

namespace leadgate::app {

// Parses argv, runs the subcommand, returns the process exit code (0 on success; 2 on a usage
// error; 1 on any other failure, after a one-line message on stderr).
int RunCli(int argc, char** argv);

}  // namespace leadgate::app

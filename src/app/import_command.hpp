// File: import_command.hpp
//
// `leadgate import FILE ...`: the bulk import client (README "Importing a file"). Parses the
// flags, opens the input, results file and checkpoint, runs import::RunImport over libcurl,
// shows progress on stderr (a bar on a terminal, plain lines otherwise) and a summary on stdout.
#pragma once

#include <string>
#include <vector>

namespace leadgate::app {

// `args` are the words after "import". Exit code: 0 when every row was answered (created,
// valid, invalid or duplicate), 1 when some row failed or the import stopped early, 2 on a
// usage error.
int ImportCommand(const std::vector<std::string>& args);

}  // namespace leadgate::app

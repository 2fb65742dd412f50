// File: demo.hpp
//
// `leadgate demo`: makes sure a demo project, process and key exist (creating them once and
// remembering them in var/demo.json, since a key is shown only once), then prints them with a
// curl line for the bulk endpoint that works as pasted. `make run` calls it before `serve`.
#pragma once

#include <string>
#include <vector>

namespace leadgate::app {

int RunDemo(const std::vector<std::string>& args);

}  // namespace leadgate::app

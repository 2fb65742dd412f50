// File: admin.hpp
//
// The administrative operations behind `leadgate project|process|key`, free of argv and output.
#pragma once

#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/lead_store.hpp"
#include "core/object_id.hpp"

namespace leadgate::app {

struct CreatedKey {
  std::string key_id;
  std::string api_key;  // shown once; only its hash is stored
};

struct CreatedProject {
  core::Project project;
  CreatedKey key;  // every new project gets a first key
};

class Admin {
 public:
  Admin(core::LeadStore& store, const core::Clock& clock, core::ObjectIdGenerator& ids)
      : store_(store), clock_(clock), ids_(ids) {}

  // kInvalidArgument for an empty name or a region libphonenumber does not know.
  core::Result<CreatedProject> CreateProject(const std::string& name, const std::string& region);
  // kInvalidArgument for an empty name; kNotFound for an unknown project.
  core::Result<core::Process> CreateProcess(const std::string& project_id, const std::string& name);
  // kNotFound for an unknown project.
  core::Result<CreatedKey> CreateKey(const std::string& project_id);

 private:
  core::LeadStore& store_;
  const core::Clock& clock_;
  core::ObjectIdGenerator& ids_;
};

}  // namespace leadgate::app

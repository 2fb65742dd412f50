// File: authenticator.hpp
//
// Turns an Authorization header into the project it may act for.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/lead_store.hpp"
#include "core/tenancy.hpp"

namespace leadgate::auth {

struct Principal {
  std::string key_id;
  core::Project project;
};

class Authenticator {
 public:
  explicit Authenticator(core::LeadStore& store) : store_(store) {}

  // `authorization` is the raw header value ("" when absent).
  // Errors: kUnauthenticated for a missing, malformed, unknown or revoked key (also when the key's
  // project no longer exists); kPermissionDenied when the key's project is inactive;
  // kUnavailable / kInternal when the store fails.
  // Thread-safe.
  core::Result<Principal> Authenticate(std::string_view authorization) const;

 private:
  core::LeadStore& store_;
};

}  // namespace leadgate::auth

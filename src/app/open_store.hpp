// File: open_store.hpp
//
// `--db` -> a LeadStore. A path (the default) is an embedded SQLite file; a postgres:// or
// postgresql:// URL is a PostgreSQL database (storage/postgres_lead_store.hpp).
#pragma once

#include <memory>
#include <string>

#include "core/error.hpp"
#include "core/lead_store.hpp"

namespace leadgate::app {

inline constexpr const char* kDefaultDbPath = "var/leadgate.db";

struct StoreOptions {
  std::string db = kDefaultDbPath;
  // SQLite: "full" (a 200 survives power loss) or "normal" (survives a crash of leadgate).
  std::string sync = "full";
  // PostgreSQL: the most connections this process opens (made lazily, re-made after failure).
  int pool_size = 8;
};

// `url` for logs and messages, its password masked:
// postgresql://u:secret@h/db -> postgresql://u:***@h/db (anything else unchanged).
std::string RedactUrl(const std::string& url);

// kInvalidArgument for a URL scheme this build cannot serve; otherwise the store's own errors.
core::Result<std::unique_ptr<core::LeadStore>> OpenStore(const StoreOptions& options);

}  // namespace leadgate::app

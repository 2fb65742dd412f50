#include "app/open_store.hpp"

#include "storage/postgres_lead_store.hpp"
#include "storage/sqlite_lead_store.hpp"

namespace leadgate::app {

std::string RedactUrl(const std::string& url) {
  const auto scheme = url.find("://");
  const auto at = url.rfind('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

core::Result<std::unique_ptr<core::LeadStore>> OpenStore(const StoreOptions& options) {
  if (options.db.starts_with("postgres://") || options.db.starts_with("postgresql://")) {
    // --sync is SQLite's: PostgreSQL's durability is the server's synchronous_commit.
    storage::PostgresOptions postgres;
    postgres.url = options.db;
    postgres.pool_size = options.pool_size;
    auto store = storage::PostgresLeadStore::Open(postgres);
    if (!store) return std::unexpected(store.error());
    return std::unique_ptr<core::LeadStore>(std::move(*store));
  }
  storage::SqliteOptions sqlite;
  sqlite.path = options.db;
  if (options.sync == "full") {
    sqlite.sync = storage::SqliteOptions::Sync::kFull;
  } else if (options.sync == "normal") {
    sqlite.sync = storage::SqliteOptions::Sync::kNormal;
  } else {
    return core::MakeError(core::ErrorCode::kInvalidArgument,
                           "--sync must be full or normal, not " + options.sync);
  }
  auto store = storage::SqliteLeadStore::Open(sqlite);
  if (!store) return std::unexpected(store.error());
  return std::unique_ptr<core::LeadStore>(std::move(*store));
}

}  // namespace leadgate::app

// File: postgres_migrations.hpp
//
// The PostgreSQL schema migrations (migrations/postgres/NNNN_name.sql), embedded into the binary
// at build time exactly like the SQLite ones (src/CMakeLists.txt, leadgate_embed_migrations).
// PostgresLeadStore::Open applies the ones a database lacks (postgres_migrator.hpp).
#pragma once

#include <span>
#include <string_view>

namespace leadgate::storage {

struct PostgresMigration {
  int version;            // NNNN of the file name; strictly increasing along the list
  std::string_view name;  // the file name, e.g. "0001_init.sql"
  std::string_view sql;   // the file's contents: one or more statements
};

// Every embedded migration, in version order. The views point into static storage.
std::span<const PostgresMigration> PostgresMigrations();

}  // namespace leadgate::storage

// File: sqlite_migrations.hpp
//
// The SQLite schema migrations (migrations/sqlite/NNNN_name.sql), embedded into the binary at
// build time: src/CMakeLists.txt generates the definition of SqliteMigrations() from the .sql
// files, so the binary needs no file at run time and works from any working directory.
//
// SqliteLeadStore::Open applies the ones a database lacks; see its header for the rules.
#pragma once

#include <span>
#include <string_view>

namespace leadgate::storage {

struct SqliteMigration {
  int version;            // NNNN of the file name; strictly increasing along the list
  std::string_view name;  // the file name, e.g. "0001_init.sql"
  std::string_view sql;   // the file's contents: one or more statements
};

// Every embedded migration, in version order. The views point into static storage.
std::span<const SqliteMigration> SqliteMigrations();

}  // namespace leadgate::storage

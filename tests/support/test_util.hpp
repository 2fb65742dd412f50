// Shared test helpers: status assertions that print the error, and temp directories.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/error.hpp"

#define ASSERT_OK(expr)                                                          \
  do {                                                                           \
    const auto& lg_r_ = (expr);                                                  \
    ASSERT_TRUE(lg_r_.has_value()) << #expr << ": " << lg_r_.error().ToString(); \
  } while (0)
#define EXPECT_OK(expr)                                                          \
  do {                                                                           \
    const auto& lg_r_ = (expr);                                                  \
    EXPECT_TRUE(lg_r_.has_value()) << #expr << ": " << lg_r_.error().ToString(); \
  } while (0)

namespace leadgate::testing {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace leadgate::testing

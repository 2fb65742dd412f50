#include "app/open_store.hpp"

#include <gtest/gtest.h>

namespace leadgate::app {
namespace {

TEST(RedactUrl, MasksOnlyThePassword) {
  EXPECT_EQ(RedactUrl("postgresql://lg:s3cr:et@db.internal:5432/leadgate"),
            "postgresql://lg:***@db.internal:5432/leadgate");
  EXPECT_EQ(RedactUrl("redis://:pw@127.0.0.1:6379/0"), "redis://:***@127.0.0.1:6379/0");
  EXPECT_EQ(RedactUrl("postgresql://lg@127.0.0.1:5432/leadgate"),
            "postgresql://lg@127.0.0.1:5432/leadgate");
  EXPECT_EQ(RedactUrl("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
  EXPECT_EQ(RedactUrl("var/leadgate.db"), "var/leadgate.db");
}

TEST(OpenStore, AnUnreachablePostgresIsAnErrorWithoutThePassword) {
  auto store = OpenStore({.db = "postgresql://lg:hunter2@127.0.0.1:1/leadgate"});
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, core::ErrorCode::kUnavailable) << store.error().ToString();
  EXPECT_EQ(store.error().message.find("hunter2"), std::string::npos) << store.error().message;
}

}  // namespace
}  // namespace leadgate::app

// The PostgreSQL cluster and Redis server that `ctest` starts for the suite (the
// `services.start` fixture runs scripts/test-services; see tests/CMakeLists.txt).
//
//   LEADGATE_REQUIRE_SERVICES();                       // in a test or factory
//   std::string url = leadgate::testing::CreateScratchDatabase();   // fresh, empty database
//
// Every test that uses them gets its own database and its own Redis key prefix, so tests run in
// parallel without seeing each other.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace leadgate::testing {

struct TestServices {
  std::string pg_url;     // the cluster's maintenance database, e.g. postgresql://...:port/leadgate
  std::string redis_url;  // redis://127.0.0.1:port
};

// The services, when the test runs under ctest (LEADGATE_TEST_SERVICES, or for the `pg.` run of
// the integration suite LEADGATE_TEST_PG_SERVICES, names their env file);
// nullopt when the binary runs on its own. A named file that cannot be read is a test failure
// (the fixture failed), never a skip.
const std::optional<TestServices>& GetTestServices();

// CREATE DATABASE with a unique name on the test cluster and returns its URL. Fails the test
// (ADD_FAILURE) and returns "" when the cluster is not reachable.
std::string CreateScratchDatabase();

// A Redis key prefix no other test uses, e.g. "t4812-17:".
std::string UniqueRedisPrefix();

}  // namespace leadgate::testing

// Skips when the suite runs outside ctest (no services were started). Under ctest this never
// skips: the fixture either provides the services or the setup test fails.
#define LEADGATE_REQUIRE_SERVICES()                                                   \
  do {                                                                                \
    if (!::leadgate::testing::GetTestServices()) {                                    \
      GTEST_SKIP() << "needs PostgreSQL and Redis: run through ctest (make test), "   \
                      "or set LEADGATE_TEST_SERVICES to a scripts/test-services env"; \
    }                                                                                 \
  } while (0)

#include "support/test_services.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>

namespace leadgate::testing {
namespace {

std::optional<TestServices> Load() {
  const char* path = std::getenv("LEADGATE_TEST_SERVICES");
  if (path == nullptr || *path == '\0') path = std::getenv("LEADGATE_TEST_PG_SERVICES");
  if (path == nullptr || *path == '\0') return std::nullopt;
  std::ifstream in(path);
  TestServices services;
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    const std::string value = line.substr(eq + 1);
    if (key == "LEADGATE_TEST_PG_URL") services.pg_url = value;
    if (key == "LEADGATE_TEST_REDIS_URL") services.redis_url = value;
  }
  if (services.pg_url.empty() || services.redis_url.empty()) {
    ADD_FAILURE() << "LEADGATE_TEST_SERVICES=" << path
                  << " does not name a readable scripts/test-services env file";
    return std::nullopt;
  }
  return services;
}

std::string UniqueSuffix() {
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}();
  return std::to_string(::getpid()) + "_" + std::to_string(salt % 100000) + "_" +
         std::to_string(counter.fetch_add(1));
}

}  // namespace

const std::optional<TestServices>& GetTestServices() {
  static const std::optional<TestServices> services = Load();
  return services;
}

std::string CreateScratchDatabase() {
  const auto& services = GetTestServices();
  if (!services) {
    ADD_FAILURE() << "CreateScratchDatabase without test services";
    return "";
  }
  const std::string name = "t_" + UniqueSuffix();
  PGconn* conn = PQconnectdb(services->pg_url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot reach the test cluster: " << PQerrorMessage(conn);
    PQfinish(conn);
    return "";
  }
  PGresult* res = PQexec(conn, ("CREATE DATABASE " + name).c_str());
  const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
  if (!ok) ADD_FAILURE() << "CREATE DATABASE " << name << ": " << PQerrorMessage(conn);
  PQclear(res);
  PQfinish(conn);
  if (!ok) return "";
  const auto slash = services->pg_url.rfind('/');
  return services->pg_url.substr(0, slash + 1) + name;
}

std::string UniqueRedisPrefix() { return "t" + UniqueSuffix() + ":"; }

}  // namespace leadgate::testing

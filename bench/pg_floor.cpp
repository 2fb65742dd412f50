// pg_floor: the floor of the PostgreSQL write path. A plain libpq program (no leadgate
// store code) that writes the rows `leadgate serve --db postgresql://...` writes for N 1000-lead
// batches, with the store's method, over C connections, and prints leads/s: what the database
// alone can take, to compare the server's numbers with.
//
//   build/bench/pg_floor --url postgresql://leadgate@127.0.0.1:5432/scratch
//       [--batches 50] [--connections 2] [--leads-per-request 1000]
//       [--method function|loop|unnest] [--json]
//
// --url names an EMPTY database (or one this tool set up before and nothing else wrote): the
// schema is applied from migrations/postgres/*.sql of the source tree if it is missing, then one
// project and process are created. Methods:
//   function  SELECT FROM leadgate_ingest(arrays...): the store's own statement (default)
//   loop      the same function with its unnest fast path off (SET leadgate.ingest_fast_path):
//             the per-lead loop every batch with a rejected lead takes
//   unnest    one bare INSERT ... SELECT FROM unnest(arrays...) ON CONFLICT DO NOTHING, no
//             attempted-phone check and no outcome per lead: a lower bound, not a store method
// Rows: lead i of the run has the E.164 phone LeadGenerator::Phone(i) (scrambled order, so the
// unique indexes take random inserts as in a real import), a unique email and referenceId in
// scrambled order too, names, a groupId of 20, and ~170 bytes of metadata: about the bytes the
// service stores per generated lead. All arrays are built before the clock runs.
//
// Output: a human summary on stderr (like leadgate_floor), and with --json one JSON object on
// stdout.
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/flags.hpp"
#include "bench_env.hpp"
#include "lead_generator.hpp"

namespace leadgate::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr char kProject[] = "66f000000000000000000001";
constexpr char kProcess[] = "66f000000000000000000002";

std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// An array literal builder (the elements need no escaping beyond quotes and backslashes).
class Array {
 public:
  void Text(const std::string& v) {
    Sep();
    out_ += '"';
    for (const char c : v) {
      if (c == '"' || c == '\\') out_ += '\\';
      out_ += c;
    }
    out_ += '"';
  }
  void Null() {
    Sep();
    out_ += "NULL";
  }
  void Int(std::int64_t v) {
    Sep();
    out_ += std::to_string(v);
  }
  std::string Finish() { return out_ + "}"; }

 private:
  void Sep() {
    if (out_.size() > 1) out_ += ',';
  }
  std::string out_ = "{";
};

// The 17 array parameters of one batch (the project id is parameter $1).
std::vector<std::string> BatchArrays(const LeadGenerator& gen, std::uint64_t batch,
                                     std::size_t per_request, std::int64_t now_ms) {
  Array ids, processes, groups, names, first_names, last_names, phones, emails, refs, metadata,
      states, created_states, dispositions, attempts, next_attempt_at, created_at, updated_at;
  for (std::size_t k = 0; k < per_request; ++k) {
    const std::uint64_t i = batch * per_request + k;
    const std::uint64_t h = Mix(i);
    char id[25];
    std::snprintf(id, sizeof id, "%08" PRIx64 "%016" PRIx64,
                  static_cast<std::uint64_t>(now_ms / 1000) & 0xffffffffU, i);
    char scrambled[17];
    std::snprintf(scrambled, sizeof scrambled, "%016" PRIx64, h);
    ids.Text(id);
    processes.Text(kProcess);
    groups.Text("group-" + std::to_string(i % 20));
    names.Text("Lead Number " + std::to_string(i));
    first_names.Text("Lead");
    last_names.Text("Number " + std::to_string(i));
    phones.Text(gen.Phone(i).e164);
    emails.Text(std::string("lead.") + scrambled + "@example.com");
    refs.Text(std::string("CRM-") + scrambled);
    metadata.Text("{\"source\":\"import\",\"campaign\":\"spring-" + std::to_string(i % 7) +
                  "\",\"score\":" + std::to_string(h % 100) +
                  ",\"tags\":[\"a\",\"b\"],\"owner\":{\"id\":" + std::to_string(h % 977) +
                  ",\"team\":\"sales-emea\"},\"note\":\"imported from the CRM export\"}");
    states.Text("initialized");
    created_states.Text("initialized");
    dispositions.Null();
    attempts.Int(0);
    next_attempt_at.Int(now_ms);
    created_at.Int(now_ms);
    updated_at.Int(now_ms);
  }
  std::vector<std::string> out;
  for (Array* a : {&ids, &processes, &groups, &names, &first_names, &last_names, &phones, &emails,
                   &refs, &metadata, &states, &created_states, &dispositions, &attempts,
                   &next_attempt_at, &created_at, &updated_at}) {
    out.push_back(a->Finish());
  }
  return out;
}

constexpr const char* kFunctionSql =
    "SELECT count(*) FROM leadgate_ingest($1, $2::text[], $3::text[], $4::text[], $5::text[], "
    "$6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], "
    "$13::text[], $14::text[], $15::integer[], $16::bigint[], $17::bigint[], $18::bigint[])";

constexpr const char* kUnnestSql =
    "INSERT INTO leads (project_seq, id, process_seq, group_id, name, first_name, last_name, "
    "phone, email, reference_id, metadata, state, created_state, last_disposition, attempts, "
    "next_attempt_at, created_at, updated_at) "
    "SELECT pj.seq, u.id, pr.seq, u.g, u.nm, u.fn, u.ln, u.ph, u.em, u.rf, u.md, u.st, u.cs, "
    "u.ld, u.at, u.na, u.ca, u.ua "
    "FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], "
    "$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], "
    "$15::integer[], $16::bigint[], $17::bigint[], $18::bigint[]) WITH ORDINALITY "
    "AS u (id, process, g, nm, fn, ln, ph, em, rf, md, st, cs, ld, at, na, ca, ua, o) "
    "JOIN projects pj ON pj.id = $1 JOIN processes pr ON pr.id = u.process "
    "ORDER BY u.o ON CONFLICT DO NOTHING";

bool Ok(PGresult* res) {
  const ExecStatusType s = PQresultStatus(res);
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

// Runs sql (no parameters); prints the error and returns false on failure.
bool Exec(PGconn* conn, const std::string& sql) {
  PGresult* res = PQexec(conn, sql.c_str());
  const bool ok = Ok(res);
  if (!ok) std::fprintf(stderr, "pg_floor: %s\n", PQerrorMessage(conn));
  PQclear(res);
  return ok;
}

std::string Scalar(PGconn* conn, const std::string& sql) {
  PGresult* res = PQexec(conn, sql.c_str());
  std::string out = Ok(res) && PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "";
  PQclear(res);
  return out;
}

// Applies migrations/postgres/*.sql when the database has no schema; creates the project.
bool Setup(PGconn* conn) {
  if (Scalar(conn, "SELECT to_regclass('schema_migrations') IS NOT NULL") != "t") {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(std::string(LEADGATE_SOURCE_DIR) +
                                                             "/migrations/postgres")) {
      if (e.path().extension() == ".sql") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f);
      std::stringstream sql;
      sql << in.rdbuf();
      if (!Exec(conn, "BEGIN") || !Exec(conn, sql.str()) ||
          !Exec(conn, "INSERT INTO schema_migrations VALUES (" +
                          std::to_string(std::stoi(f.filename().string())) + ", '" +
                          f.filename().string() + "', 0)") ||
          !Exec(conn, "COMMIT")) {
        return false;
      }
    }
  }
  if (Scalar(conn, "SELECT count(*) FROM leads") != "0") {
    std::fprintf(stderr, "pg_floor: the database already holds leads; it needs a fresh one\n");
    return false;
  }
  return Exec(conn,
              std::string("INSERT INTO projects (id, name, region, active, created_at) VALUES ('") +
                  kProject + "', 'pg_floor', 'US', true, 0) ON CONFLICT DO NOTHING") &&
         Exec(conn, std::string("INSERT INTO processes (id, project_seq, name, created_at) "
                                "SELECT '") +
                        kProcess + "', seq, 'pg_floor', 0 FROM projects WHERE id = '" + kProject +
                        "' ON CONFLICT DO NOTHING");
}

struct Worker {
  std::int64_t accepted = 0;
  std::int64_t failures = 0;
  std::vector<double> batch_ms;
};

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto flags = app::Flags::Parse(
      args, {"url", "batches", "connections", "leads-per-request", "method"}, {"json"});
  if (!flags) {
    std::fprintf(stderr, "pg_floor: %s\n", flags.error().message.c_str());
    return 2;
  }
  const std::string url = flags->GetOr("url", "");
  auto batches = flags->GetInt("batches", 50, 1, 100000000);
  auto connections = flags->GetInt("connections", 2, 1, 256);
  auto per_request = flags->GetInt("leads-per-request", 1000, 1, 100000);
  const std::string method = flags->GetOr("method", "function");
  if (url.empty() || !batches || !connections || !per_request ||
      (method != "function" && method != "loop" && method != "unnest")) {
    std::fprintf(stderr,
                 "usage: pg_floor --url URL [--batches N] [--connections C] "
                 "[--leads-per-request L] [--method function|loop|unnest] [--json]\n");
    return 2;
  }

  std::vector<PGconn*> conns;
  for (long long c = 0; c < *connections; ++c) {
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      std::fprintf(stderr, "pg_floor: cannot connect: %s", PQerrorMessage(conn));
      return 1;
    }
    if (method == "loop" && !Exec(conn, "SET leadgate.ingest_fast_path = off")) return 1;
    conns.push_back(conn);
  }
  if (!Setup(conns[0])) return 1;

  // Every batch's parameters, built before the clock runs.
  const auto n = static_cast<std::uint64_t>(*batches);
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  LeadGenerator gen(kProject, kProcess);
  std::vector<std::vector<std::string>> params(n);
  {
    std::vector<std::thread> builders;
    const auto threads =
        static_cast<std::uint64_t>(std::max(2u, std::thread::hardware_concurrency()));
    for (std::uint64_t t = 0; t < threads; ++t) {
      builders.emplace_back([&, t] {
        for (std::uint64_t b = t; b < n; b += threads) {
          params[b] = BatchArrays(gen, b, static_cast<std::size_t>(*per_request), now_ms);
        }
      });
    }
    for (auto& b : builders) b.join();
  }

  const char* sql = method == "unnest" ? kUnnestSql : kFunctionSql;
  std::vector<Worker> workers(conns.size());
  std::atomic<std::uint64_t> next{0};
  const double cpu0 = CpuSeconds();
  const auto t0 = SteadyClock::now();
  {
    std::vector<std::thread> threads;
    for (std::size_t c = 0; c < conns.size(); ++c) {
      threads.emplace_back([&, c] {
        PGconn* conn = conns[c];
        Worker& w = workers[c];
        PGresult* prep = PQprepare(conn, "ingest", sql, 0, nullptr);
        if (!Ok(prep)) {
          std::fprintf(stderr, "pg_floor: prepare: %s", PQerrorMessage(conn));
          ++w.failures;
        }
        PQclear(prep);
        for (std::uint64_t b; w.failures == 0 && (b = next.fetch_add(1)) < n;) {
          std::vector<const char*> values = {kProject};
          for (const std::string& p : params[b]) values.push_back(p.c_str());
          const auto tb = SteadyClock::now();
          PGresult* res = PQexecPrepared(conn, "ingest", static_cast<int>(values.size()),
                                         values.data(), nullptr, nullptr, 0);
          w.batch_ms.push_back(
              std::chrono::duration<double, std::milli>(SteadyClock::now() - tb).count());
          if (!Ok(res)) {
            std::fprintf(stderr, "pg_floor: batch %llu: %s", static_cast<unsigned long long>(b),
                         PQerrorMessage(conn));
            ++w.failures;
          } else if (method == "unnest") {
            w.accepted += std::stoll(PQcmdTuples(res));
          } else {
            w.accepted += *per_request - std::stoll(PQgetvalue(res, 0, 0));
          }
          PQclear(res);
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  const double wall = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;
  Worker total;
  for (const Worker& w : workers) {
    total.accepted += w.accepted;
    total.failures += w.failures;
    total.batch_ms.insert(total.batch_ms.end(), w.batch_ms.begin(), w.batch_ms.end());
  }
  const std::string db_bytes = Scalar(conns[0], "SELECT pg_database_size(current_database())");
  for (PGconn* conn : conns) PQfinish(conn);

  const double leads_per_s = wall > 0 ? static_cast<double>(total.accepted) / wall : 0;
  const double p50 = Percentile(total.batch_ms, 50);
  const double p99 = Percentile(total.batch_ms, 99);
  const long long sent = *batches * *per_request;
  std::fprintf(stderr,
               "pg_floor: %lld batches x %lld leads on %lld connections (method %s) in %.2f s: "
               "%.0f leads/s accepted, %lld rejected, %lld failed batches\n"
               "pg_floor: batch p50 %.1f ms p99 %.1f ms; client CPU %.2f s; database %.0f MiB\n",
               static_cast<long long>(*batches), static_cast<long long>(*per_request),
               static_cast<long long>(*connections), method.c_str(), wall, leads_per_s,
               sent - static_cast<long long>(total.accepted),
               static_cast<long long>(total.failures), p50, p99, cpu,
               db_bytes.empty() ? 0.0 : std::stod(db_bytes) / (1024.0 * 1024.0));
  if (flags->Has("json")) {
    JsonObject out;
    out.Str("mode", "pg_floor")
        .Str("method", method)
        .Int("connections", *connections)
        .Int("leads_per_request", *per_request)
        .Int("batches", *batches)
        .Num("wall_s", wall)
        .Int("accepted", total.accepted)
        .Int("rejected", sent - total.accepted)
        .Int("failures", total.failures)
        .Num("leads_per_s", leads_per_s, 1)
        .Num("batch_p50_ms", p50, 2)
        .Num("batch_p99_ms", p99, 2)
        .Num("cpu_s", cpu, 2);
    std::printf("%s\n", out.str().c_str());
  }
  return total.failures == 0 && total.accepted == sent ? 0 : 1;
}

}  // namespace
}  // namespace leadgate::bench

int main(int argc, char** argv) { return leadgate::bench::Main(argc, argv); }

#include "app/cli.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/admin.hpp"
#include "app/demo.hpp"
#include "app/flags.hpp"
#include "app/import_command.hpp"
#include "app/open_store.hpp"
#include "app/redis_limits.hpp"
#include "app/serve.hpp"
#include "core/clock.hpp"
#include "core/object_id.hpp"
#include "limits/duplicate_guard.hpp"

namespace leadgate::app {
namespace {

using rapidjson::Document;
using rapidjson::Value;

constexpr const char* kUsage = R"(usage: leadgate <command> [flags]

  serve    [--listen HOST:PORT] [--db PATH] [--threads N] [--workers N]
           [--body-limit BYTES] [--max-leads N] [--sync full|normal]
           [--header-timeout-ms N] [--body-timeout-ms N]
           [--rate-limit-requests N] [--rate-limit-period-ms MS]
           [--dup-max-strikes N] [--dup-window-ms MS] [--dup-block-ms MS]
           [--idempotency-ttl-ms MS] [--db-pool N]
           [--redis redis://HOST:PORT[/DB]] [--redis-prefix P] [--redis-timeout-ms MS]
  project  create --name NAME [--region CC] | list | deactivate --project ID
           | activate --project ID
           | set-limit --project ID (--requests N --per-seconds S | --clear)
  process  create --project ID --name NAME | list --project ID
  key      create --project ID | revoke --key-id ID
           | status --key-id ID [--redis URL [--redis-prefix P]]
           | unblock --key-id ID [--redis URL [--redis-prefix P]]
  demo     [--listen HOST:PORT]   create (or reuse) a demo project and print a curl line
  import   FILE --url BASE --token KEY --project ID --process ID [...]
           bulk-load a CSV or NDJSON file (leadgate import --help)

--db is a SQLite file path (default var/leadgate.db) or a postgresql:// URL; every admin
command takes it, and --json (one JSON object on stdout). Exit codes: 0 success, 1 failure,
2 usage error.
)";

// What a command hands back: a JSON object (printed as is with --json, as lines otherwise).
struct Output {
  Document doc;
  Output() { doc.SetObject(); }
  void Set(const char* key, const std::string& value) {
    doc.AddMember(Value(key, doc.GetAllocator()), Value(value.c_str(), doc.GetAllocator()),
                  doc.GetAllocator());
  }
  void Set(const char* key, bool value) {
    doc.AddMember(Value(key, doc.GetAllocator()), Value(value), doc.GetAllocator());
  }
  void Set(const char* key, Value&& value) {
    doc.AddMember(Value(key, doc.GetAllocator()), value, doc.GetAllocator());
  }
};

std::string ScalarText(const Value& v) {
  if (v.IsString()) return v.GetString();
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsNull()) return "-";
  return "";
}

void Print(const Output& out, bool json) {
  if (json) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    out.doc.Accept(writer);
    std::printf("%s\n", buffer.GetString());
    return;
  }
  for (const auto& member : out.doc.GetObject()) {
    if (!member.value.IsArray()) {
      std::printf("%s: %s\n", member.name.GetString(), ScalarText(member.value).c_str());
      continue;
    }
    for (const auto& item : member.value.GetArray()) {
      std::string line;
      for (const auto& field : item.GetObject()) {
        if (!line.empty()) line += "  ";
        line += ScalarText(field.value);
      }
      std::printf("%s\n", line.c_str());
    }
  }
}

int Fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "leadgate: %s\n", message.c_str());
  return code;
}

int Fail(const core::Error& error) {
  return Fail(error.message, error.code == core::ErrorCode::kInvalidArgument ? 2 : 1);
}

Value ProjectJson(const core::Project& p, Document::AllocatorType& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("projectId", Value(p.id.c_str(), a), a);
  v.AddMember("name", Value(p.name.c_str(), a), a);
  v.AddMember("region", Value(p.region.c_str(), a), a);
  v.AddMember("active", p.active, a);
  v.AddMember("createdAt", Value(core::FormatIso8601(p.created_at).c_str(), a), a);
  return v;
}

Value ProcessJson(const core::Process& p, Document::AllocatorType& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("processId", Value(p.id.c_str(), a), a);
  v.AddMember("name", Value(p.name.c_str(), a), a);
  v.AddMember("createdAt", Value(core::FormatIso8601(p.created_at).c_str(), a), a);
  return v;
}

// Runs an admin command: parses flags, opens the store, calls `body`, prints its output.
int RunAdmin(
    const std::vector<std::string>& args, std::set<std::string> valued,
    const std::function<core::Status(const Flags&, core::LeadStore&, Admin&, Output&)>& body,
    std::set<std::string> switches = {}) {
  valued.insert("db");
  switches.insert("json");
  auto flags = Flags::Parse(args, valued, switches);
  if (!flags) return Fail(flags.error());
  if (flags->positional().size() > 0)
    return Fail("unexpected argument " + flags->positional()[0], 2);
  StoreOptions store_options;
  store_options.db = flags->GetOr("db", kDefaultDbPath);
  auto store = OpenStore(store_options);
  if (!store) {
    return Fail("cannot open store " + RedactUrl(store_options.db) + ": " + store.error().message);
  }
  core::SystemClock clock;
  core::ObjectIdGenerator ids;
  Admin admin(**store, clock, ids);
  Output out;
  if (auto s = body(*flags, **store, admin, out); !s) return Fail(s.error());
  Print(out, flags->Has("json"));
  return 0;
}

int ProjectCommand(const std::string& verb, const std::vector<std::string>& args) {
  if (verb == "create") {
    return RunAdmin(
        args, {"name", "region"},
        [](const Flags& f, core::LeadStore&, Admin& admin, Output& out) -> core::Status {
          auto name = f.Require("name");
          if (!name) return std::unexpected(name.error());
          auto created = admin.CreateProject(*name, f.GetOr("region", "US"));
          if (!created) return std::unexpected(created.error());
          out.Set("projectId", created->project.id);
          out.Set("keyId", created->key.key_id);
          out.Set("apiKey", created->key.api_key);
          return {};
        });
  }
  if (verb == "list") {
    return RunAdmin(
        args, {}, [](const Flags&, core::LeadStore& store, Admin&, Output& out) -> core::Status {
          auto projects = store.ListProjects();
          if (!projects) return std::unexpected(projects.error());
          Value list(rapidjson::kArrayType);
          for (const auto& p : *projects)
            list.PushBack(ProjectJson(p, out.doc.GetAllocator()), out.doc.GetAllocator());
          out.Set("projects", std::move(list));
          return {};
        });
  }
  if (verb == "deactivate" || verb == "activate") {
    const bool active = verb == "activate";
    return RunAdmin(
        args, {"project"},
        [active](const Flags& f, core::LeadStore& store, Admin&, Output& out) -> core::Status {
          auto id = f.Require("project");
          if (!id) return std::unexpected(id.error());
          if (auto s = store.SetProjectActive(*id, active); !s) return s;
          out.Set("projectId", *id);
          out.Set("active", active);
          return {};
        });
  }
  if (verb == "set-limit") {
    return RunAdmin(
        args, {"project", "requests", "per-seconds"},
        [](const Flags& f, core::LeadStore& store, Admin&, Output& out) -> core::Status {
          auto id = f.Require("project");
          if (!id) return std::unexpected(id.error());
          std::optional<core::ProjectRateLimit> limit;
          if (!f.Has("clear")) {
            auto requests = f.GetInt("requests", 0, 1, 1'000'000'000);
            auto seconds = f.GetInt("per-seconds", 0, 1, 86'400 * 365);
            if (!requests) return std::unexpected(requests.error());
            if (!seconds) return std::unexpected(seconds.error());
            if (!f.Has("requests") || !f.Has("per-seconds")) {
              return core::MakeError(core::ErrorCode::kInvalidArgument,
                                     "--requests and --per-seconds are required (or --clear)");
            }
            limit = core::ProjectRateLimit{*requests, *seconds * 1000};
          }
          if (auto s = store.SetProjectRateLimit(*id, limit); !s) return s;
          out.Set("projectId", *id);
          if (limit) {
            out.Set("requests", Value(static_cast<int64_t>(limit->requests)));
            out.Set("perSeconds", Value(static_cast<int64_t>(limit->period_ms / 1000)));
          } else {
            out.Set("requests", Value(rapidjson::kNullType));
            out.Set("perSeconds", Value(rapidjson::kNullType));
          }
          return {};
        },
        {"clear"});
  }
  return Fail("unknown command: project " + verb + "\n" + kUsage, 2);
}

int ProcessCommand(const std::string& verb, const std::vector<std::string>& args) {
  if (verb == "create") {
    return RunAdmin(
        args, {"project", "name"},
        [](const Flags& f, core::LeadStore&, Admin& admin, Output& out) -> core::Status {
          auto project = f.Require("project");
          if (!project) return std::unexpected(project.error());
          auto name = f.Require("name");
          if (!name) return std::unexpected(name.error());
          auto process = admin.CreateProcess(*project, *name);
          if (!process) return std::unexpected(process.error());
          out.Set("processId", process->id);
          return {};
        });
  }
  if (verb == "list") {
    return RunAdmin(
        args, {"project"},
        [](const Flags& f, core::LeadStore& store, Admin&, Output& out) -> core::Status {
          auto project = f.Require("project");
          if (!project) return std::unexpected(project.error());
          if (auto p = store.GetProject(*project); !p) return std::unexpected(p.error());
          auto processes = store.ListProcesses(*project);
          if (!processes) return std::unexpected(processes.error());
          Value list(rapidjson::kArrayType);
          for (const auto& p : *processes)
            list.PushBack(ProcessJson(p, out.doc.GetAllocator()), out.doc.GetAllocator());
          out.Set("processes", std::move(list));
          return {};
        });
  }
  return Fail("unknown command: process " + verb + "\n" + kUsage, 2);
}

int KeyCommand(const std::string& verb, const std::vector<std::string>& args) {
  if (verb == "create") {
    return RunAdmin(
        args, {"project"},
        [](const Flags& f, core::LeadStore&, Admin& admin, Output& out) -> core::Status {
          auto project = f.Require("project");
          if (!project) return std::unexpected(project.error());
          auto key = admin.CreateKey(*project);
          if (!key) return std::unexpected(key.error());
          out.Set("keyId", key->key_id);
          out.Set("apiKey", key->api_key);
          return {};
        });
  }
  if (verb == "revoke") {
    return RunAdmin(
        args, {"key-id"},
        [](const Flags& f, core::LeadStore& store, Admin&, Output& out) -> core::Status {
          auto id = f.Require("key-id");
          if (!id) return std::unexpected(id.error());
          if (auto s = store.RevokeApiKey(*id); !s) return s;
          out.Set("keyId", *id);
          out.Set("revoked", true);
          return {};
        });
  }
  if (verb == "status" || verb == "unblock") {
    const bool unblock = verb == "unblock";
    return RunAdmin(
        args, {"key-id", "redis", "redis-prefix"},
        [unblock](const Flags& f, core::LeadStore& store, Admin&, Output& out) -> core::Status {
          auto id = f.Require("key-id");
          if (!id) return std::unexpected(id.error());
          auto key = store.FindApiKey(*id);
          if (!key) return std::unexpected(key.error());
          if (!*key) return core::MakeError(core::ErrorCode::kNotFound, "no key " + *id);
          core::SystemClock clock;
          // With --redis the strikes and blocks live there (as for `serve --redis`).
          std::unique_ptr<RedisLimits> redis;
          core::KeyGuardStore* guard_store = &store;
          if (f.Has("redis")) {
            RedisConfig config;
            config.url = f.GetOr("redis", "");
            config.prefix = f.GetOr("redis-prefix", config.prefix);
            config.timeout = std::chrono::milliseconds(2000);
            auto opened = RedisLimits::Open(config, store, clock);
            if (!opened) return std::unexpected(opened.error());
            redis = std::move(*opened);
            guard_store = &redis->strict_key_guard();
          }
          const limits::DuplicateGuard guard(*guard_store, clock, limits::GuardPolicy{});
          if (unblock) {
            if (auto s = guard.Unblock(*id); !s) return s;
          }
          auto state = guard.State(*id);
          if (!state) return std::unexpected(state.error());
          out.Set("keyId", *id);
          out.Set("projectId", (*key)->project_id);
          out.Set("revoked", (*key)->revoked);
          out.Set("strikes", Value(state->strikes));
          if (state->blocked_until) {
            out.Set("blockedUntil", core::FormatIso8601(*state->blocked_until));
          } else {
            out.Set("blockedUntil", Value(rapidjson::kNullType));
          }
          return {};
        });
  }
  return Fail("unknown command: key " + verb + "\n" + kUsage, 2);
}

int ServeCommand(const std::vector<std::string>& args) {
  auto flags =
      Flags::Parse(args,
                   {"listen", "db", "threads", "workers", "body-limit", "max-leads", "sync",
                    "header-timeout-ms", "body-timeout-ms", "rate-limit-requests",
                    "rate-limit-period-ms", "dup-max-strikes", "dup-window-ms", "dup-block-ms",
                    "idempotency-ttl-ms", "redis", "redis-prefix", "redis-timeout-ms"},
                   {});
  if (!flags) return Fail(flags.error());
  if (!flags->positional().empty()) return Fail("unexpected argument " + flags->positional()[0], 2);
  ServeConfig config;
  config.listen = flags->GetOr("listen", config.listen);
  config.store.db = flags->GetOr("db", kDefaultDbPath);
  config.store.sync = flags->GetOr("sync", "full");
  auto threads = flags->GetInt("threads", config.io_threads, 1, 256);
  auto workers = flags->GetInt("workers", 0, 0, 256);
  auto body_limit =
      flags->GetInt("body-limit", static_cast<long long>(config.body_limit), 1024, 1LL << 32);
  auto max_leads = flags->GetInt("max-leads", static_cast<long long>(config.max_leads), 1, 100000);
  auto header_ms = flags->GetInt("header-timeout-ms", config.header_timeout.count(), 1, 3600000);
  auto body_ms = flags->GetInt("body-timeout-ms", config.body_timeout.count(), 1, 3600000);
  constexpr long long kDay = 86'400'000;
  auto rate_requests =
      flags->GetInt("rate-limit-requests", config.rate_limit.requests, 0, 1'000'000'000);
  auto rate_period =
      flags->GetInt("rate-limit-period-ms", config.rate_limit.period.count(), 1, kDay * 365);
  auto strikes = flags->GetInt("dup-max-strikes", config.guard.max_strikes, 0, 1'000'000);
  auto window = flags->GetInt("dup-window-ms", config.guard.window.count(), 1, kDay * 365);
  auto block = flags->GetInt("dup-block-ms", config.guard.block_for.count(), 1, kDay * 365);
  auto ttl = flags->GetInt("idempotency-ttl-ms", config.idempotency.ttl.count(), 1, kDay * 365);
  auto redis_ms = flags->GetInt("redis-timeout-ms", config.redis.timeout.count(), 1, 60000);
  auto db_pool = flags->GetInt("db-pool", config.store.pool_size, 1, 1000);
  for (const auto* r :
       {&threads, &workers, &body_limit, &max_leads, &header_ms, &body_ms, &rate_requests,
        &rate_period, &strikes, &window, &block, &ttl, &redis_ms, &db_pool}) {
    if (!*r) return Fail(r->error());
  }
  config.rate_limit = {*rate_requests, std::chrono::milliseconds(*rate_period)};
  config.guard = {static_cast<int>(*strikes), std::chrono::milliseconds(*window),
                  std::chrono::milliseconds(*block)};
  config.idempotency.ttl = std::chrono::milliseconds(*ttl);
  config.store.pool_size = static_cast<int>(*db_pool);
  config.redis.url = flags->GetOr("redis", "");
  config.redis.prefix = flags->GetOr("redis-prefix", config.redis.prefix);
  config.redis.timeout = std::chrono::milliseconds(*redis_ms);
  if (flags->Has("redis") && config.redis.url.empty()) return Fail("--redis needs a URL", 2);
  config.io_threads = static_cast<int>(*threads);
  config.workers = static_cast<int>(*workers);
  config.body_limit = static_cast<std::size_t>(*body_limit);
  config.max_leads = static_cast<std::size_t>(*max_leads);
  config.header_timeout = std::chrono::milliseconds(*header_ms);
  config.body_timeout = std::chrono::milliseconds(*body_ms);
  return RunServe(config);
}

}  // namespace

int RunCli(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version" || args[0] == "version") {
    std::printf("leadgate %s\n", LEADGATE_VERSION);
    return 0;
  }
  const std::string command = args[0];
  if (command == "serve") return ServeCommand({args.begin() + 1, args.end()});
  if (command == "demo") return RunDemo({args.begin() + 1, args.end()});
  if (command == "import") return ImportCommand({args.begin() + 1, args.end()});
  if (command == "project" || command == "process" || command == "key") {
    if (args.size() < 2) return Fail("missing subcommand for " + command + "\n" + kUsage, 2);
    const std::vector<std::string> rest(args.begin() + 2, args.end());
    if (command == "project") return ProjectCommand(args[1], rest);
    if (command == "process") return ProcessCommand(args[1], rest);
    return KeyCommand(args[1], rest);
  }
  return Fail("unknown command " + command + "\n" + kUsage, 2);
}

}  // namespace leadgate::app

#include "app/demo.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/admin.hpp"
#include "app/flags.hpp"
#include "app/open_store.hpp"
#include "auth/authenticator.hpp"

namespace leadgate::app {
namespace {

struct DemoState {
  std::string project_id;
  std::string process_id;
  std::string api_key;
};

std::optional<DemoState> LoadState(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse(text.str().c_str());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  DemoState state;
  for (auto [key, target] :
       {std::pair{"projectId", &state.project_id}, std::pair{"processId", &state.process_id},
        std::pair{"apiKey", &state.api_key}}) {
    auto it = doc.FindMember(key);
    if (it == doc.MemberEnd() || !it->value.IsString()) return std::nullopt;
    *target = it->value.GetString();
  }
  return state;
}

bool SaveState(const std::filesystem::path& path, const DemoState& state) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("projectId");
  w.String(state.project_id.c_str());
  w.Key("processId");
  w.String(state.process_id.c_str());
  w.Key("apiKey");
  w.String(state.api_key.c_str());
  w.EndObject();
  std::ofstream out(path, std::ios::trunc);
  out << buffer.GetString() << "\n";
  out.close();
  // The file holds a live key.
  chmod(path.c_str(), S_IRUSR | S_IWUSR);
  return static_cast<bool>(out);
}

// The remembered state is reused only if the database still agrees with it (a deleted database
// file, a revoked key or a deactivated project mean starting over).
bool StillValid(core::LeadStore& store, const DemoState& state) {
  auth::Authenticator authenticator(store);
  auto principal = authenticator.Authenticate("Bearer " + state.api_key);
  if (!principal || principal->project.id != state.project_id) return false;
  auto process = store.FindProcess(state.project_id, state.process_id);
  return process && process->has_value();
}

}  // namespace

int RunDemo(const std::vector<std::string>& args) {
  auto flags = Flags::Parse(args, {"db", "listen", "state"}, {});
  if (!flags) {
    std::fprintf(stderr, "leadgate: %s\n", flags.error().message.c_str());
    return 2;
  }
  StoreOptions store_options;
  store_options.db = flags->GetOr("db", kDefaultDbPath);
  const std::filesystem::path state_path = flags->GetOr(
      "state", (std::filesystem::path(store_options.db).parent_path() / "demo.json").string());
  const std::string listen = flags->GetOr("listen", "127.0.0.1:8080");

  auto store = OpenStore(store_options);
  if (!store) {
    std::fprintf(stderr, "leadgate: cannot open store %s: %s\n", store_options.db.c_str(),
                 store.error().message.c_str());
    return 1;
  }
  auto state = LoadState(state_path);
  if (!state || !StillValid(**store, *state)) {
    core::SystemClock clock;
    core::ObjectIdGenerator ids;
    Admin admin(**store, clock, ids);
    auto project = admin.CreateProject("demo", "US");
    if (!project) {
      std::fprintf(stderr, "leadgate: %s\n", project.error().message.c_str());
      return 1;
    }
    auto process = admin.CreateProcess(project->project.id, "demo");
    if (!process) {
      std::fprintf(stderr, "leadgate: %s\n", process.error().message.c_str());
      return 1;
    }
    state = DemoState{project->project.id, process->id, project->key.api_key};
    if (!SaveState(state_path, *state)) {
      std::fprintf(stderr, "leadgate: cannot write %s\n", state_path.c_str());
      return 1;
    }
  }

  std::printf(
      "demo project %s, process %s\n"
      "api key: %s   (kept in %s)\n\n"
      "Try it from another terminal:\n\n"
      "curl -s 'http://%s/api/v1/leads/bulk/initiate' \\\n"
      "  -H 'Authorization: Bearer %s' \\\n"
      "  -H 'Content-Type: application/json' \\\n"
      "  -d '{\"leads\":[{\"projectId\":\"%s\",\"processId\":\"%s\",\"name\":\"Jane Doe\","
      "\"phone\":\"+1 415 555 2671\",\"email\":\"Jane@Example.com\",\"referenceId\":\"crm-42\"},"
      "{\"projectId\":\"%s\",\"processId\":\"%s\",\"firstName\":\"Bad\",\"phone\":\"9999999999\"}]}"
      "'"
      "\n\n",
      state->project_id.c_str(), state->process_id.c_str(), state->api_key.c_str(),
      state_path.c_str(), listen.c_str(), state->api_key.c_str(), state->project_id.c_str(),
      state->process_id.c_str(), state->project_id.c_str(), state->process_id.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace leadgate::app

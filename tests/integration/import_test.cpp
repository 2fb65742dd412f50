// `leadgate import` against a real `leadgate serve`: exact results files and store contents, a
// fault-injecting proxy in between, and an import killed with SIGKILL and resumed.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "fixture.hpp"
#include "support/fault_proxy.hpp"

extern char** environ;

namespace leadgate::testing {
namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// The valid phone of row i (US, area code 415, unique per i).
std::string ValidPhone(std::size_t i) { return "+1415" + std::to_string(2'000'000 + i); }
std::string SeedPhone(std::size_t k) { return "+1415" + std::to_string(3'000'000 + k); }

// One input row and what the results file must say about it.
struct Expected {
  std::string status;
  std::string code;
  std::string message;
  std::string lead_id;  // for duplicates: the seed lead; "" for created (any 24-hex id)
  std::string phone;    // E.164 stored, for created rows
};

constexpr std::size_t kSeeds = 100;

// A CSV of `rows` rows with a known mix, written with a BOM, CRLF line ends, quoted fields with
// commas, quotes and line breaks, and an empty line every 1000 rows. Fills `expected` (by row)
// and `lines` (the file line where each row starts).
std::string MakeCsv(std::size_t rows, const std::vector<std::string>& seed_ids,
                    std::vector<Expected>& expected, std::vector<std::size_t>& lines) {
  std::string csv = "\xEF\xBB\xBFphone,email,first_name,last_name,reference_id,notes,plan\r\n";
  std::size_t line = 2;
  for (std::size_t i = 0; i < rows; ++i) {
    if (i > 0 && i % 1000 == 0) {
      csv += "\r\n";
      ++line;
    }
    lines.push_back(line);
    Expected e;
    std::string phone, email, note = "plain";
    switch (i % 25) {
      case 3:
        phone = "9999999999";
        e = {"invalid", "phone_repeating_digits", "Phone number contains repeating digits pattern",
             "", ""};
        break;
      case 7:
        e = {"invalid", "missing_contact", "Either phone or email is required", "", ""};
        break;
      case 11: {
        const std::size_t k = (i / 25) % kSeeds;
        phone = SeedPhone(k);
        e = {"duplicate", "duplicate_phone",
             "Lead with phone " + SeedPhone(k) + " already exists for this project and process",
             seed_ids[k], ""};
        break;
      }
      case 19:
        email = "not-an-email";
        e = {"invalid", "invalid_email", "Invalid email address", "", ""};
        break;
      default:
        phone = ValidPhone(i);
        email = "user" + std::to_string(i) + "@example.com";
        e = {"created", "", "", "", ValidPhone(i)};
    }
    if (i % 25 == 5) note = "\"two\r\nlines, \"\"quoted\"\"\"";
    csv += phone + "," + email + ",\"Ann, " + std::to_string(i) + "\",Lee,ref-" +
           std::to_string(i) + "," + note + ",gold\r\n";
    line += (i % 25 == 5) ? 2 : 1;
    expected.push_back(e);
  }
  return csv;
}

class ImportTest : public LeadgateTest {
 public:
  // Capacity, not the limiter: the kill test sends 500 requests (pacing has unit tests).
  std::vector<std::string> ServerArgs() const override { return {"--rate-limit-requests", "0"}; }

  // Creates kSeeds leads directly (the rows that must come back as duplicates point at them).
  std::vector<std::string> Seed() {
    std::string leads;
    for (std::size_t k = 0; k < kSeeds; ++k) {
      leads += (k ? "," : "") + Lead(R"("firstName":"Seed","phone":")" + SeedPhone(k) + "\"");
    }
    const auto res = Bulk(R"({"leads":[)" + leads + "]}");
    EXPECT_EQ(res.status, 200) << res.body;
    auto doc = ParseJson(res.body);
    std::vector<std::string> ids;
    for (const auto& s : doc["success"].GetArray()) ids.push_back(s["_id"].GetString());
    EXPECT_EQ(ids.size(), kSeeds);
    return ids;
  }

  std::vector<std::string> ImportArgs(const std::string& file, const std::string& out,
                                      unsigned short port, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "import",        file,        "--url",     "http://127.0.0.1:" + std::to_string(port),
        "--token",       api_key_,    "--project", project_id_,
        "--process",     process_id_, "--out",     out,
        "--progress-ms", "60000"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // id -> phone of every stored lead.
  // Every stored lead of the project: id -> phone ("" for none), read through the store (either
  // backend), newest first, a page at a time.
  std::map<std::string, std::string> StoredLeads() {
    std::map<std::string, std::string> out;
    auto store = OpenTestStore();
    if (!store) return out;
    core::LeadQuery query;
    query.project_id = project_id_;
    query.limit = 1000;
    for (;;) {
      auto page = store->QueryLeads(query);
      EXPECT_TRUE(page.has_value());
      if (!page || page->empty()) break;
      for (const auto& lead : *page) out[lead.id] = lead.phone.value_or("");
      query.after = core::LeadCursor{page->back().created_at, page->back().id};
    }
    return out;
  }

  // Checks the results file line by line against `expected`; returns the created ids.
  std::set<std::string> CheckResults(const std::string& results,
                                     const std::vector<Expected>& expected,
                                     const std::vector<std::size_t>& lines,
                                     std::map<std::string, std::string>* created_phone = nullptr) {
    const auto got = Lines(results);
    EXPECT_EQ(got.size(), expected.size() + 1);
    if (got.empty()) return {};
    EXPECT_EQ(got[0], "row,line,status,leadId,code,message");
    static const std::regex kCreated(R"(^(\d+),(\d+),created,([0-9a-f]{24}),,$)");
    std::set<std::string> ids;
    for (std::size_t i = 0; i < expected.size() && i + 1 < got.size(); ++i) {
      const auto& e = expected[i];
      const std::string prefix = std::to_string(i + 1) + "," + std::to_string(lines[i]) + ",";
      if (e.status == "created") {
        std::smatch m;
        if (!std::regex_match(got[i + 1], m, kCreated) || got[i + 1].rfind(prefix, 0) != 0) {
          ADD_FAILURE() << "row " << i + 1 << ": " << got[i + 1];
          return ids;
        }
        EXPECT_TRUE(ids.insert(m[3]).second) << "lead id twice: " << m[3];
        if (created_phone) (*created_phone)[m[3]] = e.phone;
      } else {
        const std::string want =
            prefix + e.status + "," + e.lead_id + "," + e.code + "," + e.message;
        if (got[i + 1] != want) {
          ADD_FAILURE() << "row " << i + 1 << ": " << got[i + 1] << "\nwant " << want;
          return ids;
        }
      }
    }
    return ids;
  }
};

TEST_F(ImportTest, TwentyFiveThousandRowsGiveExactResultsAndStore) {
  const auto seeds = Seed();
  std::vector<Expected> expected;
  std::vector<std::size_t> lines;
  const auto csv = dir_.path() / "leads.csv";
  std::ofstream(csv, std::ios::binary) << MakeCsv(25'000, seeds, expected, lines);
  const auto out = dir_.path() / "results.csv";
  const auto r =
      RunCommand(kBinary, ImportArgs(csv.string(), out.string(), port(), {"--concurrency", "3"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("25,000 rows: 21,000 created, 3,000 invalid, 1,000 duplicate, 0 failed"),
            std::string::npos)
      << r.out;

  std::map<std::string, std::string> created_phone;
  const auto ids = CheckResults(ReadFile(out), expected, lines, &created_phone);
  EXPECT_EQ(ids.size(), 21'000u);
  const auto stored = StoredLeads();
  EXPECT_EQ(stored.size(), 21'000u + kSeeds);
  for (const auto& [id, phone] : created_phone) {
    auto it = stored.find(id);
    ASSERT_NE(it, stored.end()) << id;
    EXPECT_EQ(it->second, phone);
  }

  // The same command again: every chunk is in the checkpoint; nothing is sent, same file.
  const std::string first = ReadFile(out);
  const auto again = RunCommand(kBinary, ImportArgs(csv.string(), out.string(), port()));
  EXPECT_EQ(again.exit_code, 0) << again.err;
  // 24 chunks of 1000 sent leads; the last rows (missing_contact) need no request.
  EXPECT_NE(again.out.find("0 chunks sent, 24 resumed"), std::string::npos) << again.out;
  EXPECT_EQ(ReadFile(out), first);
  EXPECT_EQ(StoredLeads().size(), 21'000u + kSeeds);
}

TEST_F(ImportTest, FaultsStillStoreEveryLeadExactlyOnce) {
  std::vector<Expected> expected;
  std::vector<std::size_t> lines;
  const std::vector<std::string> seeds(kSeeds, "unused");
  std::string csv_text = "phone,email,first_name\n";
  for (std::size_t i = 0; i < 5000; ++i) {
    csv_text += ValidPhone(i) + ",u" + std::to_string(i) + "@example.com,Al\n";
    expected.push_back({"created", "", "", "", ValidPhone(i)});
    lines.push_back(i + 2);
  }
  const auto csv = dir_.path() / "leads.csv";
  std::ofstream(csv, std::ios::binary) << csv_text;
  // Requests 1, 5, 9, ...: forwarded, then the connection drops (the server stored them);
  // 2, 6, ...: dropped before forwarding; 3, 11: 500; 7: 429 with Retry-After: 1.
  FaultProxy proxy(port(), [](std::size_t n) {
    if (n % 4 == 1) return Fault::kDropAfterForward;
    if (n % 4 == 2) return Fault::kDropBeforeForward;
    if (n == 3 || n == 11) return Fault::k500;
    if (n == 7) return Fault::k429;
    return Fault::kNone;
  });
  const auto out = dir_.path() / "results.csv";
  const auto r = RunCommand(kBinary, ImportArgs(csv.string(), out.string(), proxy.port(),
                                                {"--batch", "250", "--concurrency", "2"}));
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  const auto counts = proxy.counts();
  EXPECT_GE(counts.at(Fault::kDropAfterForward), 5u);
  EXPECT_GE(counts.at(Fault::kDropBeforeForward), 5u);
  EXPECT_EQ(counts.at(Fault::k500), 2u);
  EXPECT_EQ(counts.at(Fault::k429), 1u);
  std::map<std::string, std::string> created_phone;
  const auto ids = CheckResults(ReadFile(out), expected, lines, &created_phone);
  EXPECT_EQ(ids.size(), 5000u);
  const auto stored = StoredLeads();
  EXPECT_EQ(stored.size(), 5000u);
  for (const auto& [id, phone] : created_phone) EXPECT_EQ(stored.at(id), phone);
}

// Spawns `leadgate args...` with output discarded; returns its pid.
pid_t Spawn(const std::vector<std::string>& args) {
  std::vector<std::string> argv_s = {kBinary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, kBinary.c_str(), &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

TEST_F(ImportTest, KilledImportResumesWithSameResultsAndNoDuplicates) {
  const auto seeds = Seed();
  std::vector<Expected> expected;
  std::vector<std::size_t> lines;
  const auto csv = dir_.path() / "leads.csv";
  std::ofstream(csv, std::ios::binary) << MakeCsv(10'000, seeds, expected, lines);
  const auto out = dir_.path() / "results.csv";
  const auto checkpoint = dir_.path() / "results.csv.checkpoint";
  const auto args =
      ImportArgs(csv.string(), out.string(), port(), {"--batch", "20", "--concurrency", "2"});

  const pid_t pid = Spawn(args);
  ASSERT_GT(pid, 0);
  // Kill it once a few chunks are checkpointed (500 chunks in all).
  for (int i = 0; i < 60'000; ++i) {
    if (Lines(ReadFile(checkpoint)).size() >= 10) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the import finished before it could be killed";
  const std::size_t answered = Lines(ReadFile(checkpoint)).size();
  EXPECT_LT(answered, 475u);

  const auto r = RunCommand(kBinary, args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("resumed from the checkpoint"), std::string::npos);
  std::map<std::string, std::string> created_phone;
  const auto ids = CheckResults(ReadFile(out), expected, lines, &created_phone);
  const std::size_t created = 10'000 - 4 * 400;
  EXPECT_EQ(ids.size(), created);
  const auto stored = StoredLeads();
  EXPECT_EQ(stored.size(), created + kSeeds);
  for (const auto& [id, phone] : created_phone) EXPECT_EQ(stored.at(id), phone);
}

TEST_F(ImportTest, WrongProcessStopsWithAClearMessage) {
  const auto csv = dir_.path() / "leads.csv";
  std::ofstream(csv, std::ios::binary) << "phone\n" << ValidPhone(1) << "\n";
  const auto out = dir_.path() / "results.csv";
  auto args = ImportArgs(csv.string(), out.string(), port());
  for (auto& a : args) {
    if (a == process_id_) a = "0123456789abcdef01234567";
  }
  const auto r = RunCommand(kBinary, args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("import stopped: the server did not find the target (HTTP 404: Process "
                       "not found for lead with processId: 0123456789abcdef01234567): check "
                       "--process and --url"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(StoredLeads().size(), 0u);

  auto bad_key = ImportArgs(csv.string(), out.string(), port());
  for (auto& a : bad_key) {
    if (a == api_key_) a = "lg_wrong";
  }
  const auto k = RunCommand(kBinary, bad_key);
  EXPECT_EQ(k.exit_code, 1);
  EXPECT_NE(k.err.find("the server rejected the API key (HTTP 401: Invalid or missing API "
                       "token): check --token"),
            std::string::npos)
      << k.err;
}

TEST_F(ImportTest, NdjsonFromStdinWithMapAndDryRun) {
  const auto file = dir_.path() / "leads.ndjson";
  std::ofstream(file, std::ios::binary)
      << "{\"Mobile\":\"" << ValidPhone(1) << "\",\"fn\":\"Ann\",\"score\":7}\n"
      << "{\"Mobile\":\"" << ValidPhone(2) << "\",\"fn\":\"Bo\",\"tags\":[\"a\"]}\n";
  const auto out = dir_.path() / "results.csv";
  auto args = ImportArgs(file.string(), out.string(), port(),
                         {"--map", "Mobile=phone", "--map=fn=first_name", "--dry-run"});
  // The dry run reads stdin ('-' with --format ndjson).
  std::string shell = "'" + kBinary + "'";
  for (const auto& a : args) shell += " '" + (a == file.string() ? "-" : a) + "'";
  shell += " --format ndjson < '" + file.string() + "'";
  auto r = RunCommand("/bin/sh", {"-c", shell});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 valid (dry run)"), std::string::npos) << r.out;
  auto got = Lines(ReadFile(out));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(got[1].starts_with("1,1,valid,")) << got[1];
  EXPECT_EQ(StoredLeads().size(), 0u);

  // For real, then check the stored metadata kept its JSON types.
  args.pop_back();
  r = RunCommand(kBinary, args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  got = Lines(ReadFile(out));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(got[2].starts_with("2,2,created,")) << got[2];
  const std::string id = got[2].substr(12, 24);
  HttpClient client;
  ASSERT_OK(client.Connect(port()));
  auto res = client.Send("GET", "/api/v1/leads/get?leadId=" + id,
                         {{"Authorization", "Bearer " + api_key_}});
  ASSERT_OK(res);
  auto doc = ParseJson(res->body);
  EXPECT_STREQ(doc["data"]["firstName"].GetString(), "Bo");
  EXPECT_STREQ(doc["data"]["phone"].GetString(), ValidPhone(2).c_str());
  EXPECT_STREQ(doc["data"]["metadata"]["tags"][0].GetString(), "a");
}

}  // namespace
}  // namespace leadgate::testing

namespace leadgate::testing {
namespace {

// A tight per-project rate limit: the import paces itself from the RateLimit headers and waits
// out any 429's Retry-After; every lead still arrives exactly once.
class RateLimitedImportTest : public LeadgateTest {
 public:
  std::vector<std::string> ServerArgs() const override {
    return {"--rate-limit-requests", "4", "--rate-limit-period-ms", "1000"};
  }
};

TEST_F(RateLimitedImportTest, PacesAndRetriesUntilEveryRowIsCreated) {
  std::string csv_text = "phone,name\n";
  for (std::size_t i = 0; i < 200; ++i) csv_text += ValidPhone(i) + ",Al\n";
  const auto csv = dir_.path() / "leads.csv";
  std::ofstream(csv, std::ios::binary) << csv_text;
  const auto out = dir_.path() / "results.csv";
  const auto r = RunCommand(
      kBinary, {"import", csv.string(), "--url", "http://127.0.0.1:" + std::to_string(port()),
                "--token", api_key_, "--project", project_id_, "--process", process_id_, "--out",
                out.string(), "--batch", "10", "--concurrency", "3", "--progress-ms", "60000"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("200 rows: 200 created, 0 invalid, 0 duplicate, 0 failed (20 chunks sent"),
            std::string::npos)
      << r.out;
  const auto lines = Lines(ReadFile(out));
  ASSERT_EQ(lines.size(), 201u);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    EXPECT_NE(lines[i].find(",created,"), std::string::npos) << lines[i];
  }
  HttpClient client;
  ASSERT_OK(client.Connect(port()));
  // Counted through the API (the store is only read here), after the limiter's window.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto res =
      client.Send("POST", "/api/v1/leads/query",
                  {{"Authorization", "Bearer " + api_key_}, {"Content-Type", "application/json"}},
                  R"({"limit":1000})");
  ASSERT_OK(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(ParseJson(res->body)["data"].Size(), 200u);
}

}  // namespace
}  // namespace leadgate::testing

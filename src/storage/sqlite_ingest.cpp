// File: sqlite_ingest.cpp
//
// Design notes (the contract is in the header).
//
// Write path. Ingest is the product's throughput bottleneck, so per lead it costs at most:
//   * one index probe of call_attempts (only when the lead has a phone): the attempted check
//     cannot be a constraint on leads, and it must win over the duplicate checks;
//   * one INSERT ... ON CONFLICT DO NOTHING. The three partial unique indexes ARE the duplicate
//     checks, so no interleaving of writers (threads, or other leadgate processes on the same
//     file) can store a duplicate, and a clean lead needs no SELECT. Only when the insert reports
//     a conflict (changes() == 0) do up to three point lookups name the rule it broke and the
//     colliding lead, in the documented order phone -> reference -> email.
// Earlier leads of the batch are rows of the same open transaction, so in-batch duplicates need
// no bookkeeping, and a dry run is the very same code ending in ROLLBACK instead of COMMIT.
// Every statement is prepared once per connection (SQLITE_PREPARE_PERSISTENT) and text is bound
// with SQLITE_STATIC (no copies). Leads reference their project and process by INTEGER seq
// (0001_init.sql): the per-batch process lookups are cached in IngestRun.
//
// Measurements behind the choices (scratch benchmark, not in the repo: batches of 1000 leads with
// random E.164 phones, emails, referenceIds and ~150-byte metadata, one Ingest per batch, on the
// 2-core dev VM, ext4, shared with parallel builds, so +-15% noise; "ms" is wall time per
// batch including the commit, averaged over the first 100 batches = 0..100k rows):
//   * SQLite defaults except WAL+FULL, text project/process keys:        ~73 ms
//   * wal_autocheckpoint 4000 pages: 59 ms; 16384 (kept): 30 ms. Disabling checkpoints entirely
//     would save only ~12% more. A checkpoint copies every page changed since the last one into
//     the main file and fsyncs it, inside whichever request commits past the threshold; the
//     random unique indexes dirty a different page per lead, so a larger interval lets repeated
//     writes of the same pages coalesce. journal_size_limit shrinks the WAL back afterwards.
//   * cache_size: 2 MiB (default) 51 ms, 64 MiB (kept) 30 ms, 256 MiB 32 ms.
//   * page_size: 4096 (default, kept) is best; 1024/2048 were ~1.5x slower (deeper trees, more
//     frames), 8192/16384 ~1.5x slower (more bytes per dirtied page).
//   * leads WITHOUT ROWID: 51 ms vs 30 ms (wide rows in the clustered b-tree; secondary indexes
//     carry the 24-byte id).
//   * Keying the phone/reference indexes by process only: -12%; INTEGER project/process seqs
//     instead of 24-char ids everywhere in leads: 18.5 ms vs 26.4 ms, CPU 16 ms vs 22 ms.
//   * ON CONFLICT DO NOTHING vs three SELECTs before each insert: ~3-15% faster fresh, equal at
//     1M rows (the SELECTs touch the pages the insert dirties anyway). It is kept for
//     correctness: the index, not a prior read, decides.
//   * temp_store=MEMORY: no effect on this path (no temp b-trees); kept so sorts never touch disk.
//   * synchronous=NORMAL: ~25% faster; opt-in only (it gives up power-loss durability).
// With all of the above: ~11 ms per batch fresh, 19 ms at 100k rows, 34 at 200k, 50 at 400k,
// ~75-95 ms at 1M rows. The cost grows with the table because each lead dirties ~3 random leaf
// pages of the unique indexes, all of which are written to the WAL at commit and again at
// checkpoint; at 1M rows ~55% of the CPU is the kernel writing and syncing those pages, and a
// larger cache or mmap does not change it. Committing 4000 leads per transaction (what group
// commit of concurrent requests would give) measured +41% throughput fresh but only +10% at 1M
// rows, so it is not done here.
//
// 0003 (lead reads) measured the same way, raw statements, 200 batches (0..200k rows), two runs
// each, on a VM shared with other builds (noise ~+-15%): 0002 schema ~35 ms per batch;
// leads_by_project_created widened to (project_seq, created_at, id) ~37.6 (+7%); + partial
// leads_by_group (half the leads grouped, 20 groups) ~38 (+1%, kept); + (process_seq,
// created_at, id) ~40 (+5%, not kept); + (project_seq, state, created_at, id) ~41 (+5%, not
// kept). Activities cost ingest nothing: only leadIds inits and updates write them.
//
// Readers are plain read-only connections: in WAL mode they read a snapshot and neither block nor
// are blocked by the writer, so request-path lookups (API key, process) never queue behind a
// 1000-lead batch.
#include <sqlite3.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "storage/sqlite_internal.hpp"
#include "storage/sqlite_lead_store.hpp"
#include "storage/sqlite_statement.hpp"

namespace leadgate::storage {

using core::ErrorCode;
using core::MakeError;
using core::Result;
using core::Status;
using internal::InsertActivity;
using internal::LookupSeq;
using internal::LowerAscii;
using internal::Q;
using internal::ReadLead;
using internal::RollbackIfOpen;
using internal::Stmt;

// ---- leads ----

namespace {

// The writer's statements Ingest needs, fetched once per call.
struct IngestStmts {
  sqlite3_stmt* project_seq;
  sqlite3_stmt* process_seq;
  sqlite3_stmt* find_attempt;
  sqlite3_stmt* insert_lead;
  sqlite3_stmt* by_phone;
  sqlite3_stmt* by_reference;
  sqlite3_stmt* by_email;
  sqlite3_stmt* get_lead;
  sqlite3_stmt* init_lead;
  sqlite3_stmt* insert_activity;
};

// The id a `SELECT id ... WHERE <seq> = ?1 AND <column> = ?2` point lookup finds, if any.
Result<std::optional<std::string>> LookupId(sqlite3_stmt* raw, std::int64_t seq,
                                            std::string_view value, std::string_view what) {
  Stmt s(raw);
  s.Int(1, seq).Text(2, value);
  LEADGATE_TRY(row, s.Step(what));
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(s.ColText(0));
}

// One Ingest, inside its transaction.
class IngestRun {
 public:
  IngestRun(const IngestStmts& q, const core::IngestBatch& batch) : q_(q), batch_(batch) {}

  Result<core::IngestBatchResult> Run() {
    // An unknown project is not an error by itself: its lead_ids are simply not found, and a
    // new lead fails below like any lead whose process is not in the batch's project.
    LEADGATE_TRY(project_seq,
                 LookupSeq(q_.project_seq, batch_.project_id, std::nullopt, "find project"));
    project_seq_ = *project_seq;

    core::IngestBatchResult result;
    result.inserted.reserve(batch_.new_leads.size());
    result.found.reserve(batch_.lead_ids.size());
    for (const core::Lead& lead : batch_.new_leads) {
      LEADGATE_TRY(outcome, IngestOne(lead));
      result.inserted.push_back(std::move(*outcome));
    }
    for (const std::string& id : batch_.lead_ids) {
      LEADGATE_TRY(found, FindAndInit(id));
      result.found.push_back(std::move(*found));
    }
    return result;
  }

 private:
  // The seq of a process of the batch's project (nullopt if it is not one), cached per batch:
  // a batch names few processes.
  Result<std::optional<std::int64_t>> ProcessSeq(const std::string& process_id) {
    if (!project_seq_) return std::optional<std::int64_t>();
    const auto it = process_seqs_.find(process_id);
    if (it != process_seqs_.end()) return it->second;
    LEADGATE_TRY(seq, LookupSeq(q_.process_seq, process_id, project_seq_, "find process"));
    process_seqs_.emplace(process_id, *seq);
    return *seq;
  }

  // The checks and insert of one new lead.
  Result<core::InsertOutcome> IngestOne(const core::Lead& lead) {
    using core::InsertStatus;
    if (lead.phone && project_seq_) {
      LEADGATE_TRY(attempt, LookupId(q_.find_attempt, *project_seq_, *lead.phone, "find attempt"));
      if (*attempt) return core::InsertOutcome{InsertStatus::kPhoneAlreadyAttempted, **attempt};
    }
    LEADGATE_TRY(process_seq, ProcessSeq(lead.process_id));
    if (!*process_seq) {
      // No lead of this process can exist in the project, so only the email rule can apply;
      // past it the lead would be inserted, which the foreign key forbids: a caller bug.
      if (lead.email && project_seq_) {
        LEADGATE_TRY(hit, LookupId(q_.by_email, *project_seq_, *lead.email, "find lead by email"));
        if (*hit) return core::InsertOutcome{InsertStatus::kDuplicateEmail, **hit};
      }
      return MakeError(ErrorCode::kInternal,
                       "sqlite: lead " + lead.id + " names process " + lead.process_id +
                           ", which is not a process of project " + batch_.project_id);
    }

    {
      Stmt s(q_.insert_lead);
      s.Text(1, lead.id)
          .Int(2, *project_seq_)
          .Int(3, **process_seq)
          .OptText(4, lead.group_id)
          .OptText(5, lead.name)
          .OptText(6, lead.first_name)
          .OptText(7, lead.last_name)
          .OptText(8, lead.phone)
          .OptText(9, lead.email)
          .OptText(10, lead.reference_id)
          .OptText(11, lead.metadata_json)
          .Text(12, core::ToString(lead.state))
          .Int(13, lead.attempts)
          .OptInt(14, lead.next_attempt_at
                          ? std::optional(core::ToUnixMillis(*lead.next_attempt_at))
                          : std::nullopt)
          .Int(15, core::ToUnixMillis(lead.created_at))
          .Int(16, core::ToUnixMillis(lead.updated_at))
          .Text(17, core::ToString(lead.created_state))
          .OptText(18, lead.last_disposition);
      LEADGATE_TRY(done, s.Step("insert lead"));
      if (sqlite3_changes(sqlite3_db_handle(q_.insert_lead)) == 1) return core::InsertOutcome{};
    }

    // DO NOTHING fired: a unique index holds a colliding lead. Name the first rule, in the
    // documented order, and the lead it collides with.
    if (lead.phone) {
      LEADGATE_TRY(hit, LookupId(q_.by_phone, **process_seq, *lead.phone, "find lead by phone"));
      if (*hit) return core::InsertOutcome{InsertStatus::kDuplicatePhone, **hit};
    }
    if (lead.reference_id) {
      LEADGATE_TRY(hit, LookupId(q_.by_reference, **process_seq, *lead.reference_id,
                                 "find lead by reference"));
      if (*hit) return core::InsertOutcome{InsertStatus::kDuplicateReference, **hit};
    }
    if (lead.email) {
      LEADGATE_TRY(hit, LookupId(q_.by_email, *project_seq_, *lead.email, "find lead by email"));
      if (*hit) return core::InsertOutcome{InsertStatus::kDuplicateEmail, **hit};
    }
    // Only the primary key is left: the caller reused a lead id. A bug, not a duplicate.
    return MakeError(ErrorCode::kInternal, "sqlite: lead id " + lead.id + " is already stored");
  }

  // One lead_ids entry: the lead after init, or nullopt.
  Result<std::optional<core::Lead>> FindAndInit(const std::string& lead_id) {
    const std::string id = LowerAscii(lead_id);
    std::optional<core::Lead> lead;
    {
      Stmt s(q_.get_lead);
      s.Text(1, id).Text(2, batch_.project_id);
      LEADGATE_TRY(row, s.Step("get lead"));
      if (!*row) return lead;
      LEADGATE_TRY(read, ReadLead(s));
      lead = std::move(*read);
    }
    if (batch_.init && lead->state == core::LeadState::kCreated) {
      Stmt s(q_.init_lead);
      s.Text(1, id).Int(2, core::ToUnixMillis(batch_.now));
      LEADGATE_TRY(done, s.Step("init lead"));
      lead->state = core::LeadState::kInitialized;
      lead->updated_at = batch_.now;
      lead->next_attempt_at = batch_.now;
      // The timeline entry of this init, in the same transaction. Its id is the lead's: the store
      // has no id generator, and a lead is initialized through leadIds at most once.
      LEADGATE_TRY(stored, InsertActivity(q_.insert_activity, lead->id,
                                          core::InitializedActivity(lead->id, batch_.now)));
    }
    return lead;
  }

  const IngestStmts& q_;
  const core::IngestBatch& batch_;
  std::optional<std::int64_t> project_seq_;
  std::unordered_map<std::string, std::optional<std::int64_t>> process_seqs_;
};

}  // namespace

Result<core::IngestBatchResult> SqliteLeadStore::Ingest(const core::IngestBatch& batch) {
  for (const core::Lead& lead : batch.new_leads) {
    if (lead.project_id != batch.project_id) {
      return MakeError(ErrorCode::kInvalidArgument, "lead " + lead.id + " has project " +
                                                        lead.project_id + ", batch has " +
                                                        batch.project_id);
    }
  }

  std::lock_guard lock(writer_mu_);
  Connection& w = *writer_;
  IngestStmts q{};
  for (const auto& [slot, which] : {
           std::pair{&q.project_seq, Q::kProjectSeq},
           std::pair{&q.process_seq, Q::kProcessSeq},
           std::pair{&q.find_attempt, Q::kFindAttempt},
           std::pair{&q.insert_lead, Q::kInsertLead},
           std::pair{&q.by_phone, Q::kFindLeadByPhone},
           std::pair{&q.by_reference, Q::kFindLeadByReference},
           std::pair{&q.by_email, Q::kFindLeadByEmail},
           std::pair{&q.get_lead, Q::kGetLead},
           std::pair{&q.init_lead, Q::kInitLead},
           std::pair{&q.insert_activity, Q::kInsertActivity},
       }) {
    LEADGATE_TRY(stmt, w.Get(which));
    *slot = *stmt;
  }

  {
    LEADGATE_STMT(begin, w, Q::kBeginImmediate);
    LEADGATE_TRY(began, begin.Step("begin ingest"));
  }
  auto result = IngestRun(q, batch).Run();
  if (!result || batch.dry_run) {
    RollbackIfOpen(w.db());
    return result;
  }
  auto committed = [&]() -> Status {
    LEADGATE_STMT(commit, w, Q::kCommit);
    LEADGATE_TRY(done, commit.Step("commit ingest"));
    return {};
  }();
  if (!committed) {
    RollbackIfOpen(w.db());
    return std::unexpected(committed.error());
  }
  return result;
}

}  // namespace leadgate::storage

// File: postgres_ingest.cpp
//
// Design notes (the contract is in lead_store.hpp and postgres_lead_store.hpp).
//
// Write path. Ingest is the throughput bottleneck, and against a server every round trip costs
// ~0.1-0.5 ms of latency on top of the work, so a batch of new leads is ONE statement:
// `SELECT ... FROM leadgate_ingest(project, ids[], processes[], ..., updated_at[])`, a PL/pgSQL
// function (migrations/postgres/0001_init.sql) taking each column of the batch as an array. In
// autocommit mode that statement is its own transaction: atomic, and durable when it returns.
// The function's fast path inserts the whole batch with one INSERT ... SELECT FROM unnest(...)
// ORDER BY ordinality ON CONFLICT DO NOTHING inside a subtransaction; when every lead went in
// (the usual case) it returns no rows. Otherwise it rolls the subtransaction back and replays
// SQLite's per-lead algorithm in request order: attempted-phone probe, INSERT ... ON CONFLICT DO
// NOTHING, and only on a conflict the point lookups that name the rule (phone -> reference ->
// email). Earlier leads of the batch are rows of the same transaction, so in-batch duplicates
// need no bookkeeping. The unique indexes decide: two instances racing on one phone both try the
// insert, the second waits for the first's transaction and then sees the conflict (READ
// COMMITTED: the lookup after it takes a fresh snapshot, so it finds the winner's row).
// Batches that name existing leads (leadIds) or are dry runs run in an explicit transaction
// (BEGIN, the function, one locked lookup per leadId, then COMMIT or, for a dry run, ROLLBACK).
// A deadlock between two batches that insert overlapping keys in different orders is resolved by
// the server aborting one; that batch wrote nothing and is retried (up to 3 attempts).
//
// Measurements behind the choice (bench/pg_floor: the rows the server writes for 1000-lead batches,
// random-order E.164 phones, emails and referenceIds, ~170-byte metadata; a private PostgreSQL 15
// started by `scripts/test-services start DIR --durable` (fsync on, shared_buffers 256MB) on the
// 2-core dev VM shared with three parallel builds, so +-25% noise; leads/s into a fresh database):
//                                          50 batches, 2 conns   200 batches, 2 conns
//   loop   (per-lead PL/pgSQL, no fast path)     16.3k                 13.6k
//   unnest (one bare INSERT ... SELECT, the bound) 32.4k               25.3k
//   function (kept: unnest fast path + loop)     32.0k                 23.0k
//   function with 1 / 4 connections, 200 batches: 12.8k / 29.4k.
// The fast path costs about nothing over the bare statement (the attempted-phone anti-join is one
// index probe per lead) and halves the time of the per-lead loop, which only batches with a
// rejected lead pay. COPY into a staging table was not measured: it needs a second statement
// (and a round trip) to move the rows with the same ON CONFLICT logic, so it cannot beat the
// single unnest statement by more than the array parsing, which the numbers above show is not
// where the time goes (the server spends it in the unique indexes and WAL).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/postgres_connection.hpp"
#include "storage/postgres_lead_store.hpp"
#include "storage/postgres_rows.hpp"

namespace leadgate::storage {

using core::ErrorCode;
using core::MakeError;
using core::Result;
using core::Status;
using internal::PgArray;
using internal::PgConnection;
using internal::PgParams;

namespace {

constexpr int kConflictAttempts = 3;

constexpr const char* kIngestSql =
    "SELECT ord, status, existing FROM leadgate_ingest($1, $2::text[], $3::text[], $4::text[], "
    "$5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], "
    "$12::text[], $13::text[], $14::text[], $15::integer[], $16::bigint[], $17::bigint[], "
    "$18::bigint[])";

// The batch's new leads as the function's 18 parameters.
PgParams IngestParams(const core::IngestBatch& batch) {
  PgArray ids, processes, groups, names, first_names, last_names, phones, emails, refs, metadata,
      states, created_states, dispositions, attempts, next_attempt_at, created_at, updated_at;
  for (const core::Lead& l : batch.new_leads) {
    ids.Text(l.id);
    processes.Text(l.process_id);
    groups.OptText(l.group_id);
    names.OptText(l.name);
    first_names.OptText(l.first_name);
    last_names.OptText(l.last_name);
    phones.OptText(l.phone);
    emails.OptText(l.email);
    refs.OptText(l.reference_id);
    metadata.OptText(l.metadata_json);
    states.Text(core::ToString(l.state));
    created_states.Text(core::ToString(l.created_state));
    dispositions.OptText(l.last_disposition);
    attempts.Int(l.attempts);
    next_attempt_at.OptInt(l.next_attempt_at ? std::optional(core::ToUnixMillis(*l.next_attempt_at))
                                             : std::nullopt);
    created_at.Int(core::ToUnixMillis(l.created_at));
    updated_at.Int(core::ToUnixMillis(l.updated_at));
  }
  PgParams p;
  p.Text(batch.project_id);
  for (PgArray* a : {&ids, &processes, &groups, &names, &first_names, &last_names, &phones, &emails,
                     &refs, &metadata, &states, &created_states, &dispositions, &attempts,
                     &next_attempt_at, &created_at, &updated_at}) {
    p.Text(a->Finish());
  }
  return p;
}

// Runs the function; fills result->inserted (one entry per new lead, in order).
Status RunIngestFunction(PgConnection& conn, const PgParams& params, std::size_t count,
                         core::IngestBatchResult* result) {
  result->inserted.assign(count, core::InsertOutcome{});
  if (count == 0) return {};
  LEADGATE_PG_TRY(res, conn.Exec(kIngestSql, params, "ingest"));
  for (int r = 0; r < res->rows(); ++r) {
    const std::int64_t ord = res->Int(r, 0);
    const std::int64_t status = res->Int(r, 1);
    if (ord < 1 || static_cast<std::size_t>(ord) > count || status < 1 || status > 4) {
      return MakeError(ErrorCode::kInternal, "postgres: leadgate_ingest returned a bad row");
    }
    result->inserted[static_cast<std::size_t>(ord - 1)] =
        core::InsertOutcome{static_cast<core::InsertStatus>(status), res->Text(r, 2)};
  }
  return {};
}

// One lead_ids entry: the lead after init, or nullopt. The row lock keeps a concurrent init or
// update from interleaving between the read and the write.
Result<std::optional<core::Lead>> FindAndInit(PgConnection& conn, const core::IngestBatch& batch,
                                              const std::string& lead_id) {
  const std::string id = internal::LowerLeadId(lead_id);
  LEADGATE_PG_TRY(res, conn.Exec("SELECT " LEADGATE_PG_LEAD_COLUMNS LEADGATE_PG_LEAD_FROM
                                 " WHERE pj.id = $2 AND l.id = $1 FOR UPDATE OF l",
                                 PgParams().Text(id).Text(batch.project_id), "get lead"));
  if (res->rows() == 0) return std::optional<core::Lead>();
  LEADGATE_PG_TRY(lead, internal::ReadLead(*res, 0));
  if (batch.init && lead->state == core::LeadState::kCreated) {
    const std::int64_t now = core::ToUnixMillis(batch.now);
    LEADGATE_PG_TRY(done,
                    conn.Exec("UPDATE leads l SET state = 'initialized', updated_at = $3, "
                              "next_attempt_at = $3 FROM projects pj "
                              "WHERE pj.id = $2 AND l.project_seq = pj.seq AND l.id = $1",
                              PgParams().Text(id).Text(batch.project_id).Int(now), "init lead"));
    lead->state = core::LeadState::kInitialized;
    lead->updated_at = batch.now;
    lead->next_attempt_at = batch.now;
    // The timeline entry of this init, in the same transaction (its id is the lead's, as in
    // SQLite: a lead is initialized through leadIds at most once).
    if (auto ok = internal::InsertActivity(conn, batch.project_id, lead->id,
                                           core::InitializedActivity(lead->id, batch.now));
        !ok) {
      return std::unexpected(ok.error());
    }
  }
  return std::optional<core::Lead>(std::move(*lead));
}

}  // namespace

Result<core::IngestBatchResult> PostgresLeadStore::Ingest(const core::IngestBatch& batch) {
  for (const core::Lead& lead : batch.new_leads) {
    if (lead.project_id != batch.project_id) {
      return MakeError(ErrorCode::kInvalidArgument, "lead " + lead.id + " has project " +
                                                        lead.project_id + ", batch has " +
                                                        batch.project_id);
    }
  }
  const PgParams params = IngestParams(batch);
  core::IngestBatchResult result;

  if (batch.lead_ids.empty() && !batch.dry_run) {
    // The hot path: one autocommit statement. A failed statement wrote nothing, so a deadlock
    // victim simply runs again. (If the connection breaks while it runs, the statement may have
    // committed just before: kUnavailable, and a retry reports the stored leads as duplicates of
    // themselves; the header explains why that is the safe side.)
    for (int attempt = 1;; ++attempt) {
      std::string sqlstate;
      auto ok = OnConnection([&](PgConnection& conn) -> Status {
        auto run = RunIngestFunction(conn, params, batch.new_leads.size(), &result);
        if (!run) sqlstate = conn.last_sqlstate();
        return run;
      });
      if (ok) return result;
      if (!internal::IsRetryableConflict(sqlstate) || attempt >= kConflictAttempts) {
        return std::unexpected(ok.error());
      }
    }
  }

  auto ok = InTransaction(
      "ingest",
      [&](PgConnection& conn) -> Status {
        result = {};
        if (auto run = RunIngestFunction(conn, params, batch.new_leads.size(), &result); !run) {
          return run;
        }
        result.found.reserve(batch.lead_ids.size());
        for (const std::string& id : batch.lead_ids) {
          LEADGATE_PG_TRY(found, FindAndInit(conn, batch, id));
          result.found.push_back(std::move(*found));
        }
        return {};
      },
      /*roll_back=*/batch.dry_run);
  if (!ok) return std::unexpected(ok.error());
  return result;
}

}  // namespace leadgate::storage

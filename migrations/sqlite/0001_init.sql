-- 0001_init: tenancy (projects, processes, api_keys), leads, call_attempts, and the migration
-- ledger itself.
--
-- Conventions (every later migration follows them):
--   * ids are the 24-hex ObjectIds the service generates, as TEXT;
--   * projects and processes also have an INTEGER `seq` (their rowid), which the high-volume
--     tables (leads, call_attempts) reference instead of the 24-char ids: every index entry of a
--     lead is then ~45 bytes shorter, which measured ~25% less CPU and ~35% less time per ingest
--     batch (fewer, denser b-tree pages to search, dirty, write to the WAL and checkpoint);
--   * timestamps are INTEGER milliseconds since the Unix epoch, UTC;
--   * booleans are INTEGER 0/1;
--   * tables are STRICT, so a value of the wrong type is an error, not a silent conversion.
-- This file is embedded into the binary at build time (src/CMakeLists.txt) and run once, inside a
-- transaction, by SqliteLeadStore::Open. Never edit it once released: add 0002_*.sql instead.

-- One row per applied migration. The runner reads it before anything else; a database that
-- records a version this binary does not know is refused.
CREATE TABLE schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT;

CREATE TABLE projects (
  seq        INTEGER PRIMARY KEY,  -- rowid: creation order, the tie-break of "oldest first"
  id         TEXT    NOT NULL UNIQUE,
  name       TEXT    NOT NULL,
  region     TEXT    NOT NULL,
  active     INTEGER NOT NULL CHECK (active IN (0, 1)),
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE processes (
  seq         INTEGER PRIMARY KEY,
  id          TEXT    NOT NULL UNIQUE,
  project_seq INTEGER NOT NULL REFERENCES projects (seq),
  name        TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  -- Parent key of leads' (project_seq, process_seq) foreign key: a lead can only name a process
  -- of its own project. Also serves ListProcesses by project.
  UNIQUE (project_seq, seq)
) STRICT;

CREATE TABLE api_keys (
  id          TEXT    NOT NULL PRIMARY KEY,
  project_id  TEXT    NOT NULL REFERENCES projects (id),
  secret_hash TEXT    NOT NULL,
  revoked     INTEGER NOT NULL CHECK (revoked IN (0, 1)),
  created_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX api_keys_by_project ON api_keys (project_id);

-- A rowid table, not WITHOUT ROWID (which measured ~50% slower): rows carry up to 16 KiB of
-- metadata, which SQLite advises against in a clustered b-tree, and the secondary indexes then
-- hold an 8-byte rowid instead of the 24-byte id. ObjectIds grow with time, so the id index
-- takes its inserts at the right edge.
CREATE TABLE leads (
  id              TEXT    NOT NULL PRIMARY KEY,
  project_seq     INTEGER NOT NULL,
  process_seq     INTEGER NOT NULL,
  group_id        TEXT,
  name            TEXT,
  first_name      TEXT,
  last_name       TEXT,
  phone           TEXT,     -- E.164
  email           TEXT,     -- lower-cased
  reference_id    TEXT,
  metadata        TEXT,     -- the minified JSON object exactly as submitted
  state           TEXT    NOT NULL CHECK (state IN ('created', 'initialized', 'scheduled',
                                                    'in_call', 'succeeded', 'failed',
                                                    'max_attempts_reached')),
  attempts        INTEGER NOT NULL CHECK (attempts >= 0),
  next_attempt_at INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  FOREIGN KEY (project_seq, process_seq) REFERENCES processes (project_seq, seq)
) STRICT;

-- The duplicate rules of docs/api.md, enforced by the database itself so that no interleaving of
-- writers (threads, or several leadgate processes on one file) can store a duplicate. NULL never
-- collides, hence the partial indexes. "Same project and process" is keyed by the process alone:
-- a process belongs to exactly one project (the foreign key above), so (process_seq, phone) is
-- unique exactly when (project, process, phone) is, with shorter entries.
CREATE UNIQUE INDEX leads_unique_phone
  ON leads (process_seq, phone) WHERE phone IS NOT NULL;
CREATE UNIQUE INDEX leads_unique_reference
  ON leads (process_seq, reference_id) WHERE reference_id IS NOT NULL;
CREATE UNIQUE INDEX leads_unique_email
  ON leads (project_seq, email) WHERE email IS NOT NULL;

-- Per-project listing and counting (CountLeads, and the newest-first lead query). created_at only
-- grows, so inserts land on the right edge of the b-tree and cost little (measured: within noise).
CREATE INDEX leads_by_project_created ON leads (project_seq, created_at);

-- Every call made (or imported). A phone with a row here is "already attempted" in its project.
-- No foreign key on lead_id: imported call history may name leads this store never held.
CREATE TABLE call_attempts (
  id          TEXT    NOT NULL PRIMARY KEY,
  project_seq INTEGER NOT NULL REFERENCES projects (seq),
  lead_id     TEXT    NOT NULL,
  phone       TEXT    NOT NULL,
  at          INTEGER NOT NULL
) STRICT;

-- The attempted check: the earliest attempt for (project, phone) is one index probe.
CREATE INDEX call_attempts_by_phone ON call_attempts (project_seq, phone, at);

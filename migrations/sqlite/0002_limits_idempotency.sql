-- 0002_limits_idempotency: per-project rate limits, duplicate-abuse state per API key, and
-- Idempotency-Key records (core/idempotency_store.hpp, core/key_guard_store.hpp). Conventions as
-- in 0001_init.sql. Released files are never edited: add 0003_*.sql instead.

-- A project's own rate limit: both NULL (the server-wide default applies) or both >= 1.
-- ADD COLUMN checks CHECK constraints against the existing rows (all NULL here, so they pass).
ALTER TABLE projects ADD COLUMN rate_limit_requests INTEGER
  CHECK (rate_limit_requests IS NULL OR rate_limit_requests >= 1);
ALTER TABLE projects ADD COLUMN rate_limit_period_ms INTEGER
  CHECK (rate_limit_period_ms IS NULL OR rate_limit_period_ms >= 1)
  CHECK ((rate_limit_requests IS NULL) = (rate_limit_period_ms IS NULL));

-- The end of the key's duplicate-abuse block (ms), or NULL. A past value means "not blocked":
-- readers compare it with now, so a block lapses without a write.
ALTER TABLE api_keys ADD COLUMN blocked_until INTEGER;

-- One row per duplicate submission ("strike"). RecordStrike deletes the key's rows that fell out
-- of the window before it counts, so a key holds at most the strikes of one window; UnblockKey
-- deletes them all. Several strikes may share a millisecond, hence no unique constraint.
CREATE TABLE key_strikes (
  key_id TEXT    NOT NULL REFERENCES api_keys (id),
  at     INTEGER NOT NULL
) STRICT;

-- GetKeyGuard (every API request) counts a key's strikes in the window: one range scan of this
-- index, a single probe for the usual key with none.
CREATE INDEX key_strikes_by_key ON key_strikes (key_id, at);

-- The first response to a (scope, key) pair: scope is the project id, idempotency_key the
-- client's Idempotency-Key (<= 255 chars). created_at is when the current claim was made (a stale
-- takeover renews it). The response columns are set exactly when state = 'completed'. The body is
-- a BLOB so it is replayed byte for byte, whatever the bytes.
CREATE TABLE idempotency_keys (
  scope           TEXT    NOT NULL,
  idempotency_key TEXT    NOT NULL,
  request_hash    TEXT    NOT NULL,
  state           TEXT    NOT NULL CHECK (state IN ('in_progress', 'completed')),
  response_status INTEGER,
  response_body   BLOB,
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (scope, idempotency_key),
  CHECK ((state = 'completed') = (response_status IS NOT NULL AND response_body IS NOT NULL))
) STRICT;

-- The opportunistic sweep of expired records (a bounded DELETE of the oldest, run by
-- BeginIdempotent) finds them from the left edge of this index.
CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created_at);

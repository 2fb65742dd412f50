-- 0003_lead_reads: what reading, querying and updating leads needs (core/lead_store.hpp:
-- FindLeadByReference, ListActivities, QueryLeads, UpdateLead): two lead columns, the activities
-- table, and the indexes of the newest-first lead query. Conventions as in 0001_init.sql.
-- Released files are never edited: add 0004_*.sql instead.

-- The state the lead was created in ('created' or 'initialized'): the timeline's first entries
-- (`created`, and `initialized` for a lead created with init) are derived from it and
-- created_at, so ingest writes no activity rows (core/activity.hpp). The CHECK list is that of
-- state.
ALTER TABLE leads ADD COLUMN created_state TEXT NOT NULL DEFAULT 'created'
  CHECK (created_state IN ('created', 'initialized', 'scheduled', 'in_call', 'succeeded',
                           'failed', 'max_attempts_reached'));

-- Rows written before this migration did not record it. A lead that is 'initialized' and was
-- never changed after its creation (updated_at = created_at) was created with init; any other
-- lead keeps the default 'created' (a lead created with init that has since been called or
-- updated is indistinguishable from one initialized later through leadIds, so its derived
-- timeline shows `created` only).
UPDATE leads SET created_state = 'initialized'
  WHERE state = 'initialized' AND updated_at = created_at;

-- The disposition of the last state change that carried one (POST /leads/update `disposition`,
-- a dialer outcome), or NULL.
ALTER TABLE leads ADD COLUMN last_disposition TEXT;

-- A lead's timeline beyond its derived first entries: append-only, written in the same
-- transaction as the change each row records (Ingest's leadIds init, UpdateLead).
--   * seq is the rowid: the write order, the tie-break of "newest first" among equal `at`.
--   * lead_id is the lead's TEXT id, not its rowid: leads has a TEXT primary key, so its rowid
--     is not an INTEGER PRIMARY KEY alias and VACUUM may renumber it, which would silently
--     re-attach activities to other leads. Activities are written off the ingest hot path
--     (updates and leadIds inits only), so the 24-byte key costs the bottleneck nothing.
--   * fields is NULL for an empty list, else a JSON array of strings (["name","metadata.plan"]):
--     field names may contain any character (metadata keys), which JSON escapes unambiguously,
--     and the list stays readable with SQLite's json_each() in ad-hoc queries.
--   * the state columns take state's CHECK list; NULL when the entry has none.
CREATE TABLE activities (
  seq         INTEGER PRIMARY KEY,
  id          TEXT    NOT NULL,
  lead_id     TEXT    NOT NULL REFERENCES leads (id),
  type        TEXT    NOT NULL CHECK (type IN ('created', 'initialized', 'updated',
                                               'state_changed')),
  at          INTEGER NOT NULL,
  user_id     TEXT,
  fields      TEXT    CHECK (fields IS NULL OR json_valid(fields)),
  from_state  TEXT    CHECK (from_state IN ('created', 'initialized', 'scheduled', 'in_call',
                                            'succeeded', 'failed', 'max_attempts_reached')),
  to_state    TEXT    CHECK (to_state IN ('created', 'initialized', 'scheduled', 'in_call',
                                          'succeeded', 'failed', 'max_attempts_reached')),
  disposition TEXT
) STRICT;

-- ListActivities: one lead's rows newest first, (at DESC, seq DESC), read backwards from the
-- lead's right edge of this index (seq, the rowid, is the implicit last column).
CREATE INDEX activities_by_lead ON activities (lead_id, at);

-- QueryLeads orders by (created_at DESC, id DESC) within a project and pages with the keyset
-- (created_at, id) < (cursor). 0001's (project_seq, created_at) would leave equal created_at
-- (a whole 1000-lead batch shares one) to a sort; with id in the key the walk reads exactly one
-- page of index entries. created_at and ObjectIds both grow with time, so inserts still land on
-- the right edge (measured: see sqlite_lead_store.cpp).
DROP INDEX leads_by_project_created;
CREATE INDEX leads_by_project_created ON leads (project_seq, created_at, id);

-- groupId filter: its own newest-first order per (project, group). Partial: leads without a group
-- (most) pay nothing, and each group takes its inserts at its own right edge. Measured ~+1% per
-- 1000-lead batch (within noise). No index for processId (measured ~+5%) or state (~+5%, and
-- state is low-cardinality and changes on every update): those filters read the project's
-- newest-first order above and check each row, which stays cheap while the matches are not rare.
CREATE INDEX leads_by_group ON leads (project_seq, group_id, created_at, id)
  WHERE group_id IS NOT NULL;

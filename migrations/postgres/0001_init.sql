-- 0001_init (PostgreSQL): the whole schema of migrations/sqlite/0001..0003 in one step, with the
-- same semantics (storage/postgres_lead_store.hpp). Conventions:
--   * ids are the 24-hex ObjectIds the service generates, as text;
--   * projects and processes also have a bigint `seq` (identity) that the high-volume tables
--     reference instead of the 24-char ids: shorter index entries, as in SQLite;
--   * timestamps are bigint milliseconds since the Unix epoch, UTC (exact round trips);
--   * every unique key of a per-project table starts with project_seq, so the lead tables can
--     later be sharded (or partitioned) by project without changing a constraint. projects,
--     processes and api_keys are the small reference tables a sharded setup replicates.
-- Applied once, in one transaction, under pg_advisory_lock (postgres_migrator.cpp). Never edit it
-- once released: add 0002_*.sql instead.

CREATE TABLE schema_migrations (
  version    integer PRIMARY KEY,
  name       text    NOT NULL,
  applied_at bigint  NOT NULL
);

CREATE TABLE projects (
  seq                  bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- creation order
  id                   text    NOT NULL UNIQUE,
  name                 text    NOT NULL,
  region               text    NOT NULL,
  active               boolean NOT NULL,
  created_at           bigint  NOT NULL,
  rate_limit_requests  bigint  CHECK (rate_limit_requests IS NULL OR rate_limit_requests >= 1),
  rate_limit_period_ms bigint  CHECK (rate_limit_period_ms IS NULL OR rate_limit_period_ms >= 1),
  CHECK ((rate_limit_requests IS NULL) = (rate_limit_period_ms IS NULL))
);

CREATE TABLE processes (
  seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id          text   NOT NULL UNIQUE,
  project_seq bigint NOT NULL REFERENCES projects (seq),
  name        text   NOT NULL,
  created_at  bigint NOT NULL,
  -- Parent key of leads' (project_seq, process_seq) foreign key: a lead can only name a process
  -- of its own project. Also serves ListProcesses by project.
  UNIQUE (project_seq, seq)
);

CREATE TABLE api_keys (
  id            text    PRIMARY KEY,
  project_id    text    NOT NULL REFERENCES projects (id),
  secret_hash   text    NOT NULL,
  revoked       boolean NOT NULL,
  created_at    bigint  NOT NULL,
  blocked_until bigint  -- end of the duplicate-abuse block (ms); a past value means "not blocked"
);

CREATE INDEX api_keys_by_project ON api_keys (project_id);

-- id is COLLATE "C": ObjectIds compare bytewise, as in SQLite, whatever the database's locale
-- (the (created_at, id) keyset order of QueryLeads depends on it), and faster.
CREATE TABLE leads (
  project_seq      bigint   NOT NULL,
  id               text     COLLATE "C" NOT NULL,
  process_seq      bigint   NOT NULL,
  group_id         text,
  name             text,
  first_name       text,
  last_name        text,
  phone            text,     -- E.164
  email            text,     -- lower-cased
  reference_id     text,
  metadata         text,     -- the minified JSON object exactly as submitted (not jsonb: byte-exact)
  state            text     NOT NULL CHECK (state IN ('created', 'initialized', 'scheduled',
                                                       'in_call', 'succeeded', 'failed',
                                                       'max_attempts_reached')),
  created_state    text     NOT NULL CHECK (created_state IN ('created', 'initialized',
                                                               'scheduled', 'in_call', 'succeeded',
                                                               'failed', 'max_attempts_reached')),
  last_disposition text,
  attempts         integer  NOT NULL CHECK (attempts >= 0),
  next_attempt_at  bigint,
  created_at       bigint   NOT NULL,
  updated_at       bigint   NOT NULL,
  PRIMARY KEY (project_seq, id),
  FOREIGN KEY (project_seq, process_seq) REFERENCES processes (project_seq, seq)
);

-- The duplicate rules of docs/api.md, enforced by the database itself so that no interleaving of
-- writers (connections, or several leadgate instances on one database) can store a duplicate: a
-- second inserter waits for the first one's transaction and then sees the conflict. NULL never
-- collides, hence the partial indexes.
CREATE UNIQUE INDEX leads_unique_phone
  ON leads (project_seq, process_seq, phone) WHERE phone IS NOT NULL;
CREATE UNIQUE INDEX leads_unique_reference
  ON leads (project_seq, process_seq, reference_id) WHERE reference_id IS NOT NULL;
CREATE UNIQUE INDEX leads_unique_email
  ON leads (project_seq, email) WHERE email IS NOT NULL;

-- QueryLeads' newest-first order (created_at DESC, id DESC) and CountLeads; and the groupId
-- filter's own order (partial: leads without a group pay nothing). As in SQLite's 0003.
CREATE INDEX leads_by_project_created ON leads (project_seq, created_at, id);
CREATE INDEX leads_by_group ON leads (project_seq, group_id, created_at, id)
  WHERE group_id IS NOT NULL;

-- Every call made (or imported). A phone with a row here is "already attempted" in its project.
-- No foreign key on lead_id: imported call history may name leads this store never held. seq is
-- the recording order, the tie-break of "the earliest attempt".
CREATE TABLE call_attempts (
  project_seq bigint NOT NULL REFERENCES projects (seq),
  id          text   NOT NULL,
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  lead_id     text   NOT NULL,
  phone       text   NOT NULL,
  at          bigint NOT NULL,
  PRIMARY KEY (project_seq, id)
);

-- The attempted check: the earliest attempt for (project, phone) is one index probe.
CREATE INDEX call_attempts_by_phone ON call_attempts (project_seq, phone, at, seq);

-- A lead's timeline beyond its derived first entries (core/activity.hpp), append-only. seq is the
-- write order, the tie-break of "newest first" among equal `at`. fields: NULL for none, else a
-- text[] of the field names (names may contain any character; an array needs no encoding).
CREATE TABLE activities (
  project_seq bigint NOT NULL,
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  id          text   NOT NULL,
  lead_id     text   NOT NULL,
  type        text   NOT NULL CHECK (type IN ('created', 'initialized', 'updated',
                                              'state_changed')),
  at          bigint NOT NULL,
  user_id     text,
  fields      text[],
  from_state  text,
  to_state    text,
  disposition text,
  PRIMARY KEY (project_seq, seq),
  FOREIGN KEY (project_seq, lead_id) REFERENCES leads (project_seq, id)
);

-- ListActivities: one lead's rows newest first, read backwards.
CREATE INDEX activities_by_lead ON activities (project_seq, lead_id, at, seq);

-- One row per duplicate submission ("strike") of an API key; see sqlite 0002.
CREATE TABLE key_strikes (
  key_id text   NOT NULL REFERENCES api_keys (id),
  at     bigint NOT NULL
);
CREATE INDEX key_strikes_by_key ON key_strikes (key_id, at);

-- The first response to a (scope, key) pair: scope is the project id. See sqlite 0002.
CREATE TABLE idempotency_keys (
  scope           text   NOT NULL,
  idempotency_key text   NOT NULL,
  request_hash    text   NOT NULL,
  state           text   NOT NULL CHECK (state IN ('in_progress', 'completed')),
  response_status integer,
  response_body   bytea,
  created_at      bigint NOT NULL,
  PRIMARY KEY (scope, idempotency_key),
  CHECK ((state = 'completed') = (response_status IS NOT NULL AND response_body IS NOT NULL))
);
CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created_at);

-- Ingest's new leads in one round trip (postgres_ingest.cpp has the design notes and the
-- measurements). Arguments are parallel arrays, one element per lead in request order. Returns
-- one row per lead that was NOT inserted: its 1-based position, its InsertStatus (1 attempted,
-- 2 phone, 3 reference, 4 email) and the lead it collided with. Raises (SQLSTATE P0001, message
-- "leadgate: ...") when a lead names a process of another project or reuses a stored lead id:
-- the caller's bug, and the statement's error rolls the whole batch back.
--
-- Fast path: one INSERT ... SELECT FROM unnest(...) ORDER BY ord ON CONFLICT DO NOTHING inside a
-- subtransaction. When every lead of the batch went in (the usual case) that is the answer.
-- Otherwise the subtransaction is rolled back and the leads are checked one at a time, in request
-- order, exactly as SQLite does (attempted phone, then insert, then name the rule it broke): a
-- rejected lead's outcome then depends only on the leads before it.
CREATE FUNCTION leadgate_ingest(
  p_project text, p_ids text[], p_processes text[], p_groups text[], p_names text[],
  p_first_names text[], p_last_names text[], p_phones text[], p_emails text[], p_refs text[],
  p_metadata text[], p_states text[], p_created_states text[], p_dispositions text[],
  p_attempts integer[], p_next_attempt_at bigint[], p_created_at bigint[],
  p_updated_at bigint[])
RETURNS TABLE (ord integer, status integer, existing text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_project bigint;
  v_process bigint;
  v_last_process text;
  v_hit text;
  v_count bigint;
  n integer := coalesce(array_length(p_ids, 1), 0);
BEGIN
  IF n = 0 THEN
    RETURN;
  END IF;
  SELECT seq INTO v_project FROM projects WHERE id = p_project;

  -- SET leadgate.ingest_fast_path = off disables the fast path (bench/pg_floor --method loop
  -- measures the per-lead loop alone that way; an operator could too, should it ever misbehave).
  IF v_project IS NOT NULL
     AND coalesce(current_setting('leadgate.ingest_fast_path', true), '') <> 'off' THEN
    BEGIN
      INSERT INTO leads (project_seq, id, process_seq, group_id, name, first_name, last_name,
                         phone, email, reference_id, metadata, state, created_state,
                         last_disposition, attempts, next_attempt_at, created_at, updated_at)
      SELECT v_project, u.id, pr.seq, u.g, u.nm, u.fn, u.ln, u.ph, u.em, u.rf, u.md, u.st, u.cs,
             u.ld, u.at, u.na, u.ca, u.ua
      FROM unnest(p_ids, p_processes, p_groups, p_names, p_first_names, p_last_names, p_phones,
                  p_emails, p_refs, p_metadata, p_states, p_created_states, p_dispositions,
                  p_attempts, p_next_attempt_at, p_created_at, p_updated_at)
             WITH ORDINALITY AS u (id, process, g, nm, fn, ln, ph, em, rf, md, st, cs, ld, at, na,
                                   ca, ua, o)
      JOIN processes pr ON pr.id = u.process AND pr.project_seq = v_project
      WHERE u.ph IS NULL OR NOT EXISTS (SELECT 1 FROM call_attempts a
                                        WHERE a.project_seq = v_project AND a.phone = u.ph)
      ORDER BY u.o
      ON CONFLICT DO NOTHING;
      GET DIAGNOSTICS v_count = ROW_COUNT;
      IF v_count = n THEN
        RETURN;
      END IF;
      RAISE EXCEPTION USING ERRCODE = 'LG000';  -- roll the subtransaction back
    EXCEPTION WHEN SQLSTATE 'LG000' THEN
      NULL;
    END;
  END IF;

  FOR i IN 1 .. n LOOP
    IF p_phones[i] IS NOT NULL AND v_project IS NOT NULL THEN
      SELECT a.lead_id INTO v_hit FROM call_attempts a
        WHERE a.project_seq = v_project AND a.phone = p_phones[i] ORDER BY a.at, a.seq LIMIT 1;
      IF FOUND THEN
        ord := i; status := 1; existing := v_hit; RETURN NEXT;
        CONTINUE;
      END IF;
    END IF;
    IF v_last_process IS DISTINCT FROM p_processes[i] THEN
      v_process := NULL;
      IF v_project IS NOT NULL THEN
        SELECT seq INTO v_process FROM processes
          WHERE id = p_processes[i] AND project_seq = v_project;
      END IF;
      v_last_process := p_processes[i];
    END IF;
    IF v_process IS NULL THEN
      -- No lead of this process can exist in the project, so only the email rule can apply;
      -- past it the lead would be inserted, which the foreign key forbids: a caller bug.
      IF p_emails[i] IS NOT NULL AND v_project IS NOT NULL THEN
        SELECT l.id INTO v_hit FROM leads l
          WHERE l.project_seq = v_project AND l.email = p_emails[i];
        IF FOUND THEN
          ord := i; status := 4; existing := v_hit; RETURN NEXT;
          CONTINUE;
        END IF;
      END IF;
      RAISE EXCEPTION 'leadgate: lead % names process %, which is not a process of project %',
        p_ids[i], p_processes[i], p_project;
    END IF;

    INSERT INTO leads (project_seq, id, process_seq, group_id, name, first_name, last_name,
                       phone, email, reference_id, metadata, state, created_state,
                       last_disposition, attempts, next_attempt_at, created_at, updated_at)
    VALUES (v_project, p_ids[i], v_process, p_groups[i], p_names[i], p_first_names[i],
            p_last_names[i], p_phones[i], p_emails[i], p_refs[i], p_metadata[i], p_states[i],
            p_created_states[i], p_dispositions[i], p_attempts[i], p_next_attempt_at[i],
            p_created_at[i], p_updated_at[i])
    ON CONFLICT DO NOTHING;
    IF FOUND THEN
      CONTINUE;
    END IF;

    -- DO NOTHING fired: a unique index holds a colliding lead (committed: a conflicting insert
    -- of another transaction is waited for). Name the first rule, in the documented order.
    IF p_phones[i] IS NOT NULL THEN
      SELECT l.id INTO v_hit FROM leads l
        WHERE l.project_seq = v_project AND l.process_seq = v_process AND l.phone = p_phones[i];
      IF FOUND THEN
        ord := i; status := 2; existing := v_hit; RETURN NEXT;
        CONTINUE;
      END IF;
    END IF;
    IF p_refs[i] IS NOT NULL THEN
      SELECT l.id INTO v_hit FROM leads l
        WHERE l.project_seq = v_project AND l.process_seq = v_process
          AND l.reference_id = p_refs[i];
      IF FOUND THEN
        ord := i; status := 3; existing := v_hit; RETURN NEXT;
        CONTINUE;
      END IF;
    END IF;
    IF p_emails[i] IS NOT NULL THEN
      SELECT l.id INTO v_hit FROM leads l
        WHERE l.project_seq = v_project AND l.email = p_emails[i];
      IF FOUND THEN
        ord := i; status := 4; existing := v_hit; RETURN NEXT;
        CONTINUE;
      END IF;
    END IF;
    -- Only the primary key is left: the caller reused a lead id. A bug, not a duplicate.
    RAISE EXCEPTION 'leadgate: lead id % is already stored', p_ids[i];
  END LOOP;
END;
$$;

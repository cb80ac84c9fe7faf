-- Up Migration
-- The audit log: one row per client request, whatever its outcome. Partitioned by month (UTC);
-- calls_ensure_partitions() creates the months ahead and a default partition catches anything else.
CREATE TABLE calls (
  request_id        text        NOT NULL,
  started_at        timestamptz NOT NULL,
  endpoint          text        NOT NULL,
  trace_id          text,
  team_id           text,
  key_id            text,
  user_id           text,
  session_id        text,
  tags              text[]      NOT NULL DEFAULT '{}',
  requested_model   text,
  rule              text,
  policy_version    text,
  reason            text,
  provider          text,
  model             text,
  attempts          jsonb       NOT NULL DEFAULT '[]',
  stream            boolean     NOT NULL DEFAULT false,
  prompt_tokens     integer,
  completion_tokens integer,
  cached_tokens     integer,
  reasoning_tokens  integer,
  usage_estimated   boolean     NOT NULL DEFAULT false,
  cost_usd          numeric(18, 10),
  ttft_ms           integer,
  latency_ms        real,
  status            smallint,
  outcome           text        NOT NULL CHECK (outcome IN ('ok', 'upstream_error', 'denied', 'rate_limited', 'over_budget', 'invalid_request', 'client_cancelled', 'timeout')),
  error_type        text,
  error_message     text,
  request_body      jsonb,
  response_body     jsonb,
  -- the partition key must be part of every unique index: a replayed row carries the same pair
  PRIMARY KEY (request_id, started_at)
) PARTITION BY RANGE (started_at);

CREATE TABLE calls_default PARTITION OF calls DEFAULT;

CREATE INDEX calls_team_time ON calls (team_id, started_at);
CREATE INDEX calls_key_time ON calls (key_id, started_at);
CREATE INDEX calls_session_time ON calls (session_id, started_at) WHERE session_id IS NOT NULL;
CREATE INDEX calls_time ON calls (started_at);

-- Creates the monthly partitions from last month to `months_ahead` months ahead. Rows that landed in
-- calls_default for a month that now gets its own partition are moved into it. Safe to run concurrently.
CREATE FUNCTION calls_ensure_partitions(months_ahead integer DEFAULT 3) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  month_start timestamp;
  lo timestamptz;
  hi timestamptz;
  part text;
  created integer := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('switchyard.calls_ensure_partitions'));
  FOR i IN -1..months_ahead LOOP
    month_start := date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i);
    part := 'calls_' || to_char(month_start, 'YYYY_MM');
    IF to_regclass(part) IS NULL THEN
      lo := month_start AT TIME ZONE 'UTC';
      hi := (month_start + interval '1 month') AT TIME ZONE 'UTC';
      EXECUTE format('CREATE TABLE %I (LIKE calls INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
      EXECUTE format('WITH moved AS (DELETE FROM calls_default WHERE started_at >= %L AND started_at < %L RETURNING *) INSERT INTO %I SELECT * FROM moved', lo, hi, part);
      EXECUTE format('ALTER TABLE calls ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END
$$;

SELECT calls_ensure_partitions(3);

-- Down Migration
DROP FUNCTION IF EXISTS calls_ensure_partitions(integer);
DROP TABLE IF EXISTS calls;

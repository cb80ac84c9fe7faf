-- Up Migration
-- Wave 2: every client API and workflows on one audit table. `unauthorized` (a 401: missing, unknown
-- or revoked key) becomes its own outcome; workflow steps carry their run and step ids; cache hits and
-- the hints left out of an upstream call (x-switchyard-omitted) are recorded.
ALTER TABLE calls DROP CONSTRAINT IF EXISTS calls_outcome_check;
ALTER TABLE calls ADD CONSTRAINT calls_outcome_check CHECK (outcome IN ('ok', 'upstream_error', 'denied', 'rate_limited', 'over_budget', 'invalid_request', 'unauthorized', 'client_cancelled', 'timeout'));
ALTER TABLE calls ADD COLUMN IF NOT EXISTS run_id text;
ALTER TABLE calls ADD COLUMN IF NOT EXISTS step_id text;
ALTER TABLE calls ADD COLUMN IF NOT EXISTS cache_hit boolean NOT NULL DEFAULT false;
ALTER TABLE calls ADD COLUMN IF NOT EXISTS saved_usd numeric(18, 10);
ALTER TABLE calls ADD COLUMN IF NOT EXISTS omitted text[] NOT NULL DEFAULT '{}';
CREATE INDEX IF NOT EXISTS calls_run ON calls (run_id, started_at) WHERE run_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS calls_endpoint_time ON calls (endpoint, started_at);

-- Down Migration
DROP INDEX IF EXISTS calls_endpoint_time;
DROP INDEX IF EXISTS calls_run;
ALTER TABLE calls DROP COLUMN IF EXISTS omitted;
ALTER TABLE calls DROP COLUMN IF EXISTS saved_usd;
ALTER TABLE calls DROP COLUMN IF EXISTS cache_hit;
ALTER TABLE calls DROP COLUMN IF EXISTS step_id;
ALTER TABLE calls DROP COLUMN IF EXISTS run_id;
ALTER TABLE calls DROP CONSTRAINT IF EXISTS calls_outcome_check;
ALTER TABLE calls ADD CONSTRAINT calls_outcome_check CHECK (outcome IN ('ok', 'upstream_error', 'denied', 'rate_limited', 'over_budget', 'invalid_request', 'client_cancelled', 'timeout'));

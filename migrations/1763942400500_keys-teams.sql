-- Up Migration
-- Teams created or changed through the admin API. Teams declared in config need no row; a row for
-- one of them overlays its config settings (see README, "Keys, teams and sessions").
CREATE TABLE teams (
  id         text        PRIMARY KEY,
  settings   jsonb       NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Switchyard keys created through the admin API or `switchyard keys create`. Only the SHA-256 of a
-- key is stored. team_id has no foreign key: the team may live in config only.
CREATE TABLE api_keys (
  id         text        PRIMARY KEY,
  key_hash   text        NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  key_hint   text        NOT NULL,
  team_id    text        NOT NULL,
  name       text        NOT NULL,
  models     text[],
  rpm        integer     CHECK (rpm > 0),
  tpm        integer     CHECK (tpm > 0),
  expires_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX api_keys_team ON api_keys (team_id);

-- Down Migration
DROP TABLE IF EXISTS api_keys;
DROP TABLE IF EXISTS teams;

-- Synid identity server schema, version 2: connection policies, the node handshake-key
-- directory with identity handles, observed flows and audit records forwarded by agents.
-- The same tables on SQLite and PostgreSQL; times are Unix seconds (BIGINT).

-- Monotonic counters. A writer that must be serialized with every other writer of the same
-- state first runs "UPDATE counters SET value = value WHERE name = ..." in its transaction:
-- on PostgreSQL that takes the row lock (and each later READ COMMITTED statement sees what the
-- previous holder committed); on SQLite the transaction already holds the write lock.
--   policy_version      grows with every accepted policy change (apply, delete, accept, mode)
--   directory_revision  grows with every change of a node key or an identity handle
--   identity_number     the last global identity number given out (never reused)
CREATE TABLE counters (
    name  TEXT   NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('policy_version', 0);
INSERT INTO counters (name, value) VALUES ('directory_revision', 0);
INSERT INTO counters (name, value) VALUES ('identity_number', 0);

-- One row per policy: its canonical YAML (one document) and the policy-set version in which it
-- last changed.
CREATE TABLE policies (
    name       TEXT   NOT NULL PRIMARY KEY,
    yaml       TEXT   NOT NULL,
    version    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Per-workload mode overrides ("monitor" | "enforce"), set with SetMode.
CREATE TABLE workload_modes (
    spiffe_id  TEXT   NOT NULL PRIMARY KEY,
    mode       TEXT   NOT NULL CHECK (mode IN ('monitor', 'enforce')),
    version    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Suggested policies waiting to be accepted; a newer suggestion supersedes older ones.
CREATE TABLE policy_suggestions (
    id         TEXT   NOT NULL PRIMARY KEY,
    yaml       TEXT   NOT NULL,
    flows      BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Node handshake keys: agent ID -> node index (allocated once, 1..4095) and X25519 public key
-- (32 bytes, lowercase hex).
CREATE TABLE node_keys (
    agent_id      TEXT    NOT NULL PRIMARY KEY,
    node_index    INTEGER NOT NULL UNIQUE CHECK (node_index BETWEEN 1 AND 4095),
    public_key    TEXT    NOT NULL CHECK (LENGTH(public_key) = 64),
    registered_at BIGINT  NOT NULL
);

-- The addresses (CIDR prefixes) a node sends from, in the order the agent gave them.
CREATE TABLE node_addresses (
    agent_id TEXT    NOT NULL REFERENCES node_keys (agent_id) ON DELETE CASCADE,
    ordinal  INTEGER NOT NULL,
    cidr     TEXT    NOT NULL,
    PRIMARY KEY (agent_id, ordinal)
);

-- SPIFFE ID -> global identity number, allocated once from counters.identity_number.
CREATE TABLE identity_numbers (
    spiffe_id  TEXT   NOT NULL PRIMARY KEY,
    identity   BIGINT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- (node index, SPIFFE ID) -> handle = node_index << 20 | slot, allocated once.
CREATE TABLE identity_handles (
    node_index INTEGER NOT NULL,
    spiffe_id  TEXT    NOT NULL,
    slot       INTEGER NOT NULL CHECK (slot BETWEEN 1 AND 1048575),
    handle     BIGINT  NOT NULL UNIQUE,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (node_index, spiffe_id),
    UNIQUE (node_index, slot)
);

-- Connection counts per (source identity or unauthenticated source address, destination, port),
-- summed from the deltas agents report. Exactly one of source_spiffe_id and source_address is
-- non-empty.
CREATE TABLE flows (
    source_spiffe_id      TEXT    NOT NULL,
    source_address        TEXT    NOT NULL,
    destination_spiffe_id TEXT    NOT NULL,
    port                  INTEGER NOT NULL,
    allowed               BIGINT  NOT NULL,
    denied                BIGINT  NOT NULL,
    would_deny            BIGINT  NOT NULL,
    first_seen            BIGINT  NOT NULL,
    last_seen             BIGINT  NOT NULL,
    PRIMARY KEY (source_spiffe_id, source_address, destination_spiffe_id, port)
);
CREATE INDEX flows_destination ON flows (destination_spiffe_id);

-- Audit records forwarded by agents, once each per (agent, sequence).
CREATE TABLE forwarded_audit (
    agent_id    TEXT   NOT NULL,
    sequence    BIGINT NOT NULL,
    record      TEXT   NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (agent_id, sequence)
);

-- Per agent: every record up to and including acknowledged_through is stored.
CREATE TABLE forwarded_audit_progress (
    agent_id             TEXT   NOT NULL PRIMARY KEY,
    acknowledged_through BIGINT NOT NULL
);

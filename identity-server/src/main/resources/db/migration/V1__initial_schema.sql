-- Synid identity server schema, version 1. The same tables on SQLite and PostgreSQL.
-- Times are Unix seconds (BIGINT). Booleans are stored as INTEGER 0/1 for portability.

CREATE TABLE registered_entries (
    id               TEXT    NOT NULL PRIMARY KEY,
    spiffe_id        TEXT    NOT NULL,
    parent_id        TEXT    NOT NULL,
    x509_svid_ttl    INTEGER NOT NULL,
    jwt_svid_ttl     INTEGER NOT NULL,
    admin            INTEGER NOT NULL,
    downstream       INTEGER NOT NULL,
    expires_at       BIGINT  NOT NULL,
    hint             TEXT    NOT NULL,
    store_svid       INTEGER NOT NULL,
    revision_number  BIGINT  NOT NULL,
    created_at       BIGINT  NOT NULL,
    -- SHA-256 of (spiffe_id, parent_id, sorted selectors): two entries may not share it,
    -- which is how ALREADY_EXISTS is decided atomically, even across server replicas.
    identity_key     TEXT    NOT NULL UNIQUE
);
CREATE INDEX registered_entries_spiffe_id ON registered_entries (spiffe_id);
CREATE INDEX registered_entries_parent_id ON registered_entries (parent_id);
CREATE INDEX registered_entries_hint ON registered_entries (hint);

CREATE TABLE entry_selectors (
    entry_id TEXT NOT NULL REFERENCES registered_entries (id) ON DELETE CASCADE,
    type     TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (entry_id, type, value)
);
CREATE INDEX entry_selectors_type_value ON entry_selectors (type, value);

CREATE TABLE entry_dns_names (
    entry_id TEXT    NOT NULL REFERENCES registered_entries (id) ON DELETE CASCADE,
    ordinal  INTEGER NOT NULL,
    value    TEXT    NOT NULL,
    PRIMARY KEY (entry_id, ordinal)
);

CREATE TABLE entry_federates_with (
    entry_id     TEXT NOT NULL REFERENCES registered_entries (id) ON DELETE CASCADE,
    trust_domain TEXT NOT NULL,
    PRIMARY KEY (entry_id, trust_domain)
);
CREATE INDEX entry_federates_with_td ON entry_federates_with (trust_domain);

CREATE TABLE attested_nodes (
    spiffe_id          TEXT    NOT NULL PRIMARY KEY,
    attestation_type   TEXT    NOT NULL,
    cert_serial        TEXT    NOT NULL,
    cert_not_after     BIGINT  NOT NULL,
    new_cert_serial    TEXT    NOT NULL,
    new_cert_not_after BIGINT  NOT NULL,
    can_reattest       INTEGER NOT NULL,
    agent_version      TEXT    NOT NULL,
    created_at         BIGINT  NOT NULL
);

CREATE TABLE node_selectors (
    spiffe_id TEXT NOT NULL REFERENCES attested_nodes (spiffe_id) ON DELETE CASCADE,
    type      TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (spiffe_id, type, value)
);

CREATE TABLE join_tokens (
    token      TEXT   NOT NULL PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

CREATE TABLE bundles (
    trust_domain TEXT   NOT NULL PRIMARY KEY,
    bundle_json  TEXT   NOT NULL,
    updated_at   BIGINT NOT NULL
);

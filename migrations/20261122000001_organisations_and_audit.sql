-- Portable between SQLite and PostgreSQL (through sqlx's Any driver): integers are BIGINT,
-- booleans are BIGINT 0/1, identifiers and timestamps are TEXT (UUIDs; RFC 3339 in UTC).

-- One dated snapshot of the organisation hierarchy. Cycles keep the snapshot that stood when they
-- opened, so a later restructure (ICB mergers) never rewrites an earlier cycle's history.
CREATE TABLE org_snapshots (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    as_of TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    is_current BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE regions (
    snapshot_id TEXT NOT NULL REFERENCES org_snapshots (id),
    ods_code TEXT NOT NULL,
    name TEXT NOT NULL,
    ons_code TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, ods_code)
);

CREATE TABLE icbs (
    snapshot_id TEXT NOT NULL,
    ods_code TEXT NOT NULL,
    name TEXT NOT NULL,
    ons_code TEXT NOT NULL,
    region_ods_code TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, ods_code),
    FOREIGN KEY (snapshot_id, region_ods_code) REFERENCES regions (snapshot_id, ods_code)
);

CREATE TABLE trusts (
    snapshot_id TEXT NOT NULL,
    ods_code TEXT NOT NULL,
    name TEXT NOT NULL,
    icb_ods_code TEXT NOT NULL,
    region_ods_code TEXT NOT NULL,
    assessed_in_icb_ods_code TEXT NOT NULL,
    opened_on TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, ods_code),
    FOREIGN KEY (snapshot_id, icb_ods_code) REFERENCES icbs (snapshot_id, ods_code),
    FOREIGN KEY (snapshot_id, assessed_in_icb_ods_code) REFERENCES icbs (snapshot_id, ods_code),
    FOREIGN KEY (snapshot_id, region_ods_code) REFERENCES regions (snapshot_id, ods_code)
);

CREATE INDEX trusts_by_icb ON trusts (snapshot_id, icb_ods_code);

CREATE TABLE trust_care_settings (
    snapshot_id TEXT NOT NULL,
    trust_ods_code TEXT NOT NULL,
    care_setting TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, trust_ods_code, care_setting),
    FOREIGN KEY (snapshot_id, trust_ods_code) REFERENCES trusts (snapshot_id, ods_code)
);

-- Append-only audit trail. Each record carries the hash of the one before it, so removing or
-- editing a record breaks the chain; seq is unique so two writers cannot both extend one link.
CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    occurred_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_value TEXT,
    after_value TEXT,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

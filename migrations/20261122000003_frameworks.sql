-- Versions of the assessment framework, as loaded from their files. A version never changes
-- once loaded: a cycle that uses it must always score against the same criteria. The file's
-- text is kept exactly as loaded; the service parses it when it needs it.
CREATE TABLE frameworks (
    version TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    source_toml TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    loaded_by TEXT NOT NULL
);

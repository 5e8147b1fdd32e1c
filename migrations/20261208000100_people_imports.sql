-- Files of people uploaded by an administrator, kept between the check page and confirming them:
-- the rows as text (JSON), the file's SHA-256 so that confirming applies exactly the file that
-- was checked, and its owner. Unconfirmed uploads expire after a day; a confirmed one keeps what
-- it did (JSON) to show afterwards.
CREATE TABLE people_imports (
    id TEXT PRIMARY KEY,
    uploaded_by TEXT NOT NULL REFERENCES accounts (id),
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    sheet TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    confirmed_at TEXT,
    report TEXT
);

CREATE INDEX people_imports_by_owner ON people_imports (uploaded_by, created_at);

-- Who has ever signed in is read from the audit trail, per account.
CREATE INDEX audit_events_by_entity ON audit_events (entity_id, action);

-- Evidence documents. The bytes are kept outside the database, in the evidence store, named by
-- their SHA-256: a file attached twice is one document, stored once. These tables say what each
-- document is and whether it passed the virus check, where it is attached, and what was
-- submitted.
CREATE TABLE documents (
    sha256 TEXT PRIMARY KEY,
    size_bytes BIGINT NOT NULL,
    -- The kind decided from the bytes (a documents::DocumentKind key).
    kind TEXT NOT NULL,
    -- The name it was first uploaded under, and by whom and when.
    file_name TEXT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES accounts (id),
    uploaded_at TEXT NOT NULL,
    -- A rules::evidence::ScanState key; the signature found, when quarantined.
    scan_state TEXT NOT NULL,
    scan_signature TEXT,
    scanned_at TEXT
);

CREATE INDEX documents_by_scan_state ON documents (scan_state, uploaded_at);

-- A document attached to one domain of an assessment, with a description and the criteria of
-- that domain it evidences. Removing it keeps the row (and the bytes) for the record.
CREATE TABLE evidence_attachments (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    domain_key TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES documents (sha256),
    file_name TEXT NOT NULL,
    description TEXT NOT NULL,
    -- The criteria it evidences: keys separated by '|'; empty for the domain as a whole.
    criterion_keys TEXT NOT NULL,
    added_by TEXT NOT NULL REFERENCES accounts (id),
    added_at TEXT NOT NULL,
    removed_by TEXT REFERENCES accounts (id),
    removed_at TEXT
);

CREATE INDEX evidence_attachments_by_domain ON evidence_attachments (assessment_id, domain_key);

-- The attachments an assessment held when it was submitted, with their hashes: one set per
-- submission (its assessments.submitted_at). Reviewers and moderators read the latest.
CREATE TABLE submitted_evidence (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    submitted_at TEXT NOT NULL,
    attachment_id TEXT NOT NULL REFERENCES evidence_attachments (id),
    sha256 TEXT NOT NULL REFERENCES documents (sha256),
    PRIMARY KEY (assessment_id, submitted_at, attachment_id)
);

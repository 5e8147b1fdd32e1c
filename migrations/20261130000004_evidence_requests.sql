-- A moderator's request to the trust for more evidence on chosen domains, with a short deadline,
-- and the trust's answer. Moderation carries on after it.
CREATE TABLE evidence_requests (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    -- The domains asked about: keys separated by '|'.
    domain_keys TEXT NOT NULL,
    question TEXT NOT NULL,
    deadline TEXT NOT NULL,
    asked_by TEXT NOT NULL REFERENCES accounts (id),
    asked_at TEXT NOT NULL,
    answer TEXT,
    answered_by TEXT REFERENCES accounts (id),
    answered_at TEXT
);

CREATE INDEX evidence_requests_by_assessment ON evidence_requests (assessment_id, asked_at);

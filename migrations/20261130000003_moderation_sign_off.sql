-- Moderation by NHS England, and sign-off by a second person.

-- One domain's moderated level; `criteria` are the keys (separated by '|') it rests on where it
-- differs from the trust's level. `version` goes up by one with each save.
CREATE TABLE domain_moderations (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    domain_key TEXT NOT NULL,
    score BIGINT NOT NULL,
    criteria TEXT NOT NULL,
    rationale TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (assessment_id, domain_key)
);

-- Who submitted an assessment's moderation (the latest submission): they may not sign it off.
CREATE TABLE moderations (
    assessment_id TEXT PRIMARY KEY REFERENCES assessments (id),
    moderated_by TEXT NOT NULL REFERENCES accounts (id),
    submitted_at TEXT NOT NULL
);

-- Every sign-off decision: 'signed_off', or 'returned' to the moderator with the reason.
CREATE TABLE sign_offs (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    decision TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL REFERENCES accounts (id),
    decided_at TEXT NOT NULL
);

CREATE INDEX sign_offs_by_assessment ON sign_offs (assessment_id, decided_at);

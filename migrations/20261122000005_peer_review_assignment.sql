-- Peer reviewers' profiles, their declared conflicts, and who reviews which assessment.

-- What a peer reviewer knows: the care settings they can review well (labels separated by '|'),
-- and, if set, the most reviews they can take in a cycle (otherwise the cycle's default).
CREATE TABLE reviewer_profiles (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    expertise TEXT NOT NULL,
    capacity BIGINT,
    updated_at TEXT NOT NULL
);

-- A reviewer must never review this trust. Declared by the reviewer or an administrator.
CREATE TABLE reviewer_conflicts (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    trust_ods_code TEXT NOT NULL,
    reason TEXT NOT NULL,
    declared_by TEXT NOT NULL,
    declared_at TEXT NOT NULL,
    PRIMARY KEY (account_id, trust_ods_code)
);

-- One reviewer on one assessment. 'proposed' rows are an administrator's draft plan; confirming
-- makes them 'assigned' (and emails the reviewers); a reviewer may then decline with a reason.
CREATE TABLE review_assignments (
    id TEXT PRIMARY KEY,
    cycle_id TEXT NOT NULL REFERENCES cycles (id),
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    reviewer_id TEXT NOT NULL REFERENCES accounts (id),
    status TEXT NOT NULL,
    cost BIGINT NOT NULL,
    -- Why this reviewer fits, one reason per line.
    reasons TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    assigned_at TEXT,
    declined_at TEXT,
    decline_reason TEXT
);

CREATE INDEX review_assignments_by_cycle ON review_assignments (cycle_id, status);
CREATE INDEX review_assignments_by_reviewer ON review_assignments (reviewer_id, status);

-- Peer reviews. Each review assignment gets the reviewer's review of each domain: they agree with
-- the trust's answers unless a criterion judgement says otherwise. A review is submitted with a
-- verdict; an administrator may give one reviewer a later deadline.

-- One domain of one review. `version` goes up by one with each save, so a save made from an older
-- version (another tab, say) is refused instead of overwriting it. `confirmed` is 1 once the
-- reviewer has confirmed the domain, with or without changes.
CREATE TABLE domain_reviews (
    assignment_id TEXT NOT NULL REFERENCES review_assignments (id),
    domain_key TEXT NOT NULL,
    version BIGINT NOT NULL,
    confirmed BIGINT NOT NULL,
    insufficient_evidence BIGINT NOT NULL,
    -- 'low', 'medium', 'high' or NULL when not given.
    confidence TEXT,
    comment TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (assignment_id, domain_key)
);

-- The reviewer's judgement of a criterion where it differs from the trust's answer (or carries a
-- note): met (1) or not met (0), and why.
CREATE TABLE criterion_judgements (
    assignment_id TEXT NOT NULL,
    domain_key TEXT NOT NULL,
    criterion_key TEXT NOT NULL,
    met BIGINT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (assignment_id, criterion_key),
    FOREIGN KEY (assignment_id, domain_key) REFERENCES domain_reviews (assignment_id, domain_key)
);

-- A review's verdict, from its submission on. Reopening clears submitted_at and keeps the verdict
-- for the reviewer to change.
CREATE TABLE review_verdicts (
    assignment_id TEXT PRIMARY KEY REFERENCES review_assignments (id),
    verdict TEXT NOT NULL,
    summary TEXT NOT NULL,
    submitted_at TEXT,
    updated_at TEXT NOT NULL
);

-- A later review deadline for one reviewer's review, with the reason.
CREATE TABLE review_deadline_extensions (
    assignment_id TEXT PRIMARY KEY REFERENCES review_assignments (id),
    deadline TEXT NOT NULL,
    reason TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL
);

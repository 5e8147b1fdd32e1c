-- Assessment cycles, the assessments in them and the answers trusts give.
-- Dates are 'YYYY-MM-DD' text and moments RFC 3339 text, so both compare correctly as text.

-- A cycle, e.g. "DMA 2026/27". It scores against one framework version, and from opening on it
-- keeps the organisation snapshot that stood then. Historical cycles hold earlier published
-- results imported from a file; they have no answers, only published scores.
CREATE TABLE cycles (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    framework_version TEXT NOT NULL REFERENCES frameworks (version),
    opens_on TEXT NOT NULL,
    submission_deadline TEXT NOT NULL,
    review_deadline TEXT NOT NULL,
    moderation_deadline TEXT NOT NULL,
    publication_on TEXT NOT NULL,
    -- Care setting labels in scope, separated by '|'.
    care_settings TEXT NOT NULL,
    -- Region ODS codes in scope, separated by '|'; empty for all of England.
    region_ods_codes TEXT NOT NULL,
    reviewers_per_assessment BIGINT NOT NULL,
    reviewer_capacity BIGINT NOT NULL,
    phase TEXT NOT NULL,
    snapshot_id TEXT REFERENCES org_snapshots (id),
    is_historical BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

-- One per (cycle, trust, care setting).
CREATE TABLE assessments (
    id TEXT PRIMARY KEY,
    cycle_id TEXT NOT NULL REFERENCES cycles (id),
    trust_ods_code TEXT NOT NULL,
    care_setting TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_at TEXT,
    submitted_by TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (cycle_id, trust_ods_code, care_setting)
);

CREATE INDEX assessments_by_trust ON assessments (trust_ods_code, cycle_id);

-- A domain's answers are saved together. `version` goes up by one with each save, so a save
-- made from an older version is refused instead of overwriting someone else's answers.
CREATE TABLE domain_answers (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    domain_key TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (assessment_id, domain_key)
);

-- A criterion marked met (1) or not met (0), or not chosen yet (NULL: evidence written first),
-- with the evidence given. No row: not answered at all.
CREATE TABLE criterion_answers (
    assessment_id TEXT NOT NULL,
    domain_key TEXT NOT NULL,
    criterion_key TEXT NOT NULL,
    met BIGINT,
    evidence TEXT NOT NULL,
    PRIMARY KEY (assessment_id, criterion_key),
    FOREIGN KEY (assessment_id, domain_key) REFERENCES domain_answers (assessment_id, domain_key)
);

-- A later submission deadline for one trust's assessments in a cycle.
CREATE TABLE deadline_extensions (
    cycle_id TEXT NOT NULL REFERENCES cycles (id),
    trust_ods_code TEXT NOT NULL,
    deadline TEXT NOT NULL,
    reason TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (cycle_id, trust_ods_code)
);

-- Final scores as published, in hundredths (a portable exact number): per assessment, the
-- overall score (scope 'overall', key ''), each pillar's and, where known, each domain's.
CREATE TABLE published_scores (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    scope TEXT NOT NULL,
    score_key TEXT NOT NULL,
    score_hundredths BIGINT NOT NULL,
    PRIMARY KEY (assessment_id, scope, score_key)
);

-- Release and publication of a cycle's results.

-- An assessment left out of a cycle's release and publication by an administrator, with why.
CREATE TABLE release_exclusions (
    assessment_id TEXT PRIMARY KEY REFERENCES assessments (id),
    reason TEXT NOT NULL,
    excluded_by TEXT NOT NULL,
    excluded_at TEXT NOT NULL
);

-- A cycle's provisional release: trusts see their final scores and may query them until
-- `queries_close_on` (a date, inclusive).
CREATE TABLE provisional_releases (
    cycle_id TEXT PRIMARY KEY REFERENCES cycles (id),
    queries_close_on TEXT NOT NULL,
    released_by TEXT NOT NULL,
    released_at TEXT NOT NULL
);

-- A trust's query on one domain's provisional score, and NHS England's answer. One per domain;
-- `upheld` is 1 when the answer reopened moderation.
CREATE TABLE result_queries (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    domain_key TEXT NOT NULL,
    question TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    answer TEXT,
    upheld BIGINT NOT NULL DEFAULT 0,
    answered_by TEXT,
    answered_at TEXT,
    UNIQUE (assessment_id, domain_key)
);

-- Each publication of a cycle's results. Version 1 is the first; a correction is a new version
-- whose note says what changed. Earlier versions are kept whole.
CREATE TABLE result_versions (
    cycle_id TEXT NOT NULL REFERENCES cycles (id),
    version BIGINT NOT NULL,
    note TEXT NOT NULL,
    -- 1 when the trusts' own scores are published beside the final ones.
    with_self_scores BIGINT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (cycle_id, version)
);

-- The domain levels a version published: the final (moderated) level and the trust's own.
-- Pillar and overall scores are worked out from these when read, never stored rounded.
CREATE TABLE result_levels (
    cycle_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    domain_key TEXT NOT NULL,
    final_level BIGINT NOT NULL,
    self_level BIGINT NOT NULL,
    PRIMARY KEY (cycle_id, version, assessment_id, domain_key),
    FOREIGN KEY (cycle_id, version) REFERENCES result_versions (cycle_id, version)
);

-- Earlier cycles' imported results are their version 1.
INSERT INTO result_versions (cycle_id, version, note, with_self_scores, published_by, published_at)
SELECT id, 1, 'Imported from the results NHS England published', 0, created_by, created_at
FROM cycles WHERE is_historical = 1;

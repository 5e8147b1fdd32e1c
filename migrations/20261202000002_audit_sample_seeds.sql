-- The seed of each cycle's random audit sample (and of the cross-ICS permutation test), drawn
-- once from the operating system's randomness the first time the queue is ordered by risk, and
-- kept: no one can predict the sample before then, and anyone can draw it again afterwards.
CREATE TABLE audit_sample_seeds (
    cycle_id TEXT PRIMARY KEY REFERENCES cycles (id),
    seed BIGINT NOT NULL,
    drawn_by TEXT NOT NULL,
    drawn_at TEXT NOT NULL
);

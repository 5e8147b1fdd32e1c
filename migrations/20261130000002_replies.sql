-- The trust's reply to its peer reviews, and the cycle's reply deadline.

-- The last day trusts may reply to their reviews: between the review and moderation deadlines.
-- NULL until an administrator sets it; until then the service uses two weeks after the review
-- deadline (`rules::cycles::default_reply_deadline`), so existing cycles have one too.
ALTER TABLE cycles ADD COLUMN reply_deadline TEXT;

-- The trust's answer to the reviewers' adjustments of one domain: accept, or contest with a
-- comment and, if they wish, more evidence. `version` goes up by one with each save.
CREATE TABLE domain_replies (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    domain_key TEXT NOT NULL,
    response TEXT NOT NULL,
    comment TEXT NOT NULL,
    evidence TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (assessment_id, domain_key)
);

-- How the reply ended: 'submitted' by a lead (submitted_by), or 'no_reply' when the reply
-- deadline passed without one; a missing reply is never taken as agreement.
CREATE TABLE replies (
    assessment_id TEXT PRIMARY KEY REFERENCES assessments (id),
    outcome TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    submitted_by TEXT
);

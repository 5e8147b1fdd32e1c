-- Reminders sent: one row per task, person and kind ("7-days", "2-days", "overdue"). A reminder is
-- claimed by inserting its row in the transaction that queues its email, so however many
-- instances run the job, and whatever restarts, each reminder is queued once.
CREATE TABLE reminders_sent (
    -- What the reminder is about: "submission:<assessment>", "reply:<assessment>", "review:<review>".
    task TEXT NOT NULL,
    -- The person, by email address (lower case).
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (task, recipient, kind)
);

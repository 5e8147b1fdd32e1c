-- Whose session each is, so a person can see their sessions and end the others.
ALTER TABLE sessions ADD COLUMN account_id TEXT;
CREATE INDEX sessions_by_account ON sessions (account_id);

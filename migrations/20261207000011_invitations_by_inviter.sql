-- Who invited each account (an account id, or "command-line"), so that invitations can be
-- rationed per inviter and day. Accounts invited before this are nobody's.
ALTER TABLE accounts ADD COLUMN invited_by TEXT;
CREATE INDEX accounts_by_inviter ON accounts (invited_by, created_at);

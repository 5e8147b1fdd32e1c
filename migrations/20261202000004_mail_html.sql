-- Each email is sent as plain text with an HTML alternative in the NHS style. Messages queued
-- before this change have no HTML (NULL) and are sent as text alone.
ALTER TABLE mail_outbox ADD COLUMN body_html TEXT;

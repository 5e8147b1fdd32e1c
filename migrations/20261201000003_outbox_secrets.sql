-- A link that works once (an invitation or a password reset) is kept apart from the text of its
-- email, joined to it only when the email is sent, and removed once it has been: a copy of the
-- database then holds no usable link.
ALTER TABLE mail_outbox ADD COLUMN secret TEXT;

-- Emails sent before this change held their link in their text: remove it.
UPDATE mail_outbox
SET body_text = 'This email held a link that works once. It has been removed from the service''s records now that the email has been sent.'
WHERE sent_at IS NOT NULL AND body_text LIKE '%/set-password?token=%';

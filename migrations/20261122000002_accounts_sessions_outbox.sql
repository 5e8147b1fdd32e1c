-- People who sign in. Roles are per account; trust leads and peer reviewers belong to an
-- organisation (a trust or ICB, by ODS code); NHS England staff have none.
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    org_ods_code TEXT,
    password_hash TEXT,
    is_active BIGINT NOT NULL DEFAULT 1,
    -- Sessions that signed in before this moment are no longer valid (set when the password
    -- changes), so a stolen session ends with a password reset.
    sessions_valid_after TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE account_roles (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    role TEXT NOT NULL,
    PRIMARY KEY (account_id, role)
);

-- Single-use links for invitations and password resets. Only a hash of the secret is stored;
-- the secret itself exists only in the email.
CREATE TABLE account_links (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    purpose TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);

-- Sessions of tower-sessions, in the database so any instance serves any request.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Failed sign-ins, counted per account (scope 'email') and per client address (scope 'address').
CREATE TABLE sign_in_failures (
    id TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    occurred_at TEXT NOT NULL
);

CREATE INDEX sign_in_failures_lookup ON sign_in_failures (scope, subject, occurred_at);

-- Mail waiting to be sent. Written in the transaction of the change that causes it; a worker
-- claims each message with a lease, sends it, and marks it sent, retrying with back-off.
CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_until TEXT,
    sent_at TEXT,
    last_error TEXT
);

CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, next_attempt_at);

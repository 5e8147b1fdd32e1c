-- A second factor for signing in: a TOTP authenticator app (RFC 6238) and single-use recovery
-- codes. NHS England roles must have one; anyone else may add one.

-- One authenticator per account. `last_used_step` is the 30-second step of the last code
-- accepted: a code is accepted once only, so one seen over a shoulder cannot be replayed.
CREATE TABLE second_factors (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    totp_secret TEXT NOT NULL,
    last_used_step BIGINT NOT NULL DEFAULT 0,
    enrolled_at TEXT NOT NULL
);

-- Recovery codes, kept only as argon2 hashes; each works once.
CREATE TABLE recovery_codes (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    code_hash TEXT NOT NULL,
    used_at TEXT
);

CREATE INDEX recovery_codes_by_account ON recovery_codes (account_id);

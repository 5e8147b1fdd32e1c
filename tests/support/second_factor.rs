//! The authenticator app of a test account: accounts whose roles need a second factor are set up
//! with one by [`crate::fixtures::AccountBuilder`], and signing in types its current code.

use crate::TestServer;
use app::store::AccountId;
use std::time::{SystemTime, UNIX_EPOCH};
use totp_rs::{Builder, Secret, Totp};

/// Seconds each code lasts (RFC 6238's default, as the service uses).
const STEP_SECONDS: u64 = 30;

/// The secret of `email`'s app: fixed per address, so a test can compute codes itself.
pub fn secret_for(email: &str) -> String {
    let mut bytes = [b'#'; 20];
    for (byte, from) in bytes.iter_mut().zip(email.bytes().cycle()) {
        *byte ^= from;
    }
    Secret::from(bytes).to_base32()
}

fn totp(secret: &str) -> Totp {
    Builder::new()
        .with_secret(Secret::try_from_base32(secret).expect("a base32 secret"))
        .build()
        .expect("RFC 6238 settings")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

/// The time step an authenticator app shows the code of now.
pub fn current_step() -> u64 {
    now() / STEP_SECONDS
}

/// The code the app shows for the time step `step`.
pub fn code_at_step(secret: &str, step: u64) -> String {
    totp(secret).generate(step * STEP_SECONDS).to_string()
}

/// A code the service will accept now for `account_id`: each time step's code works once, so
/// after one was used this step, the next step's (which the service allows for a slow clock) is
/// given, waiting for time to move on if that was used too.
pub async fn fresh_code(server: &TestServer, account_id: &str) -> String {
    loop {
        let app = app::store::second_factor::authenticator(
            &server.state.db,
            &AccountId::from(account_id),
        )
        .await
        .expect("the database answers")
        .expect("the account has an authenticator app");
        let last_used = u64::try_from(app.last_used_step).unwrap_or(0);
        let current = current_step();
        let step = current.max(last_used + 1);
        if step <= current + 1 {
            return code_at_step(&app.totp_secret, step);
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

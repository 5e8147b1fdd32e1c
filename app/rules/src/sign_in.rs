//! Throttling failed sign-ins: per account, to stop password guessing against one person, and
//! per client address, to stop one machine trying many accounts.

/// How far back failures count, in minutes.
pub const WINDOW_MINUTES: i64 = 15;
/// Failures for one email address within the window before sign-in is refused.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failures from one client address within the window before sign-in is refused.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

/// Whether another attempt may be checked, given the failures counted within the window.
pub fn attempt_allowed(failures_for_account: i64, failures_for_address: i64) -> Result<(), String> {
    if failures_for_account >= MAX_FAILURES_PER_ACCOUNT
        || failures_for_address >= MAX_FAILURES_PER_ADDRESS
    {
        Err(format!(
            "There have been too many attempts to sign in. Wait {WINDOW_MINUTES} minutes and try again, or reset your password."
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_limits_are_inclusive_of_the_last_allowed_attempt() {
        assert!(attempt_allowed(MAX_FAILURES_PER_ACCOUNT - 1, 0).is_ok());
        assert!(attempt_allowed(MAX_FAILURES_PER_ACCOUNT, 0).is_err());
        assert!(attempt_allowed(0, MAX_FAILURES_PER_ADDRESS - 1).is_ok());
        assert!(attempt_allowed(0, MAX_FAILURES_PER_ADDRESS).is_err());
    }

    proptest! {
        #[test]
        fn more_failures_never_turn_a_refusal_into_an_allowance(account in 0i64..50, address in 0i64..50, extra in 0i64..10) {
            if attempt_allowed(account, address).is_err() {
                prop_assert!(attempt_allowed(account + extra, address).is_err());
                prop_assert!(attempt_allowed(account, address + extra).is_err());
            }
        }
    }
}

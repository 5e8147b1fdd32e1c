//! Signing in with a second factor: who must have one, what comes after the password, and what a
//! typed code may look like. NHS England's moderators, approvers and administrators can change
//! any score or account, so a stolen password alone must not be enough for them; anyone else may
//! add an authenticator app too.
//!
//! Sign-in is two steps whatever the first factor: a first step proves who the person is (today
//! a password; an OpenID Connect provider such as NHS CIS2 could be another), and
//! [`after_first_factor`] says what is still needed before the session is signed in.

use crate::accounts::Role;

/// Recovery codes issued at once; each works once.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code, shown as two groups of five.
pub const RECOVERY_CODE_LENGTH: usize = 10;
/// Letters and digits a recovery code is made of: no 0/o, 1/l/i, which are easily misread.
pub const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// How long a password, once accepted, waits for the code before the person must start again.
pub const PENDING_MINUTES: i64 = 10;
/// Wrong codes for one account within the sign-in window before codes are refused for a while.
pub const MAX_WRONG_CODES_PER_ACCOUNT: i64 = 5;
/// Wrong codes from one client address within the window.
pub const MAX_WRONG_CODES_PER_ADDRESS: i64 = 20;

/// Whether a person holding `roles` must sign in with a second factor.
pub fn required<'a>(roles: impl IntoIterator<Item = &'a Role>) -> bool {
    roles
        .into_iter()
        .any(|role| matches!(role, Role::Moderator | Role::Approver | Role::Admin))
}

/// What a person must do once their first factor has been accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInStep {
    /// Nothing: they are signed in.
    Done,
    /// Type a code from their authenticator app (or a recovery code).
    EnterCode,
    /// Set up an authenticator app first: their roles need one and they have none yet.
    SetUpApp,
}

/// The next sign-in step for a person with `roles`, who has an authenticator or not.
pub fn after_first_factor(roles: &[Role], has_authenticator: bool) -> SignInStep {
    if has_authenticator {
        SignInStep::EnterCode
    } else if required(roles) {
        SignInStep::SetUpApp
    } else {
        SignInStep::Done
    }
}

/// A code as typed, once spaces and hyphens are taken out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnteredCode {
    /// Six digits from an authenticator app.
    App(String),
    /// A recovery code, in lower case without its hyphen.
    Recovery(String),
}

/// Reads a typed code, forgiving spaces, hyphens and capitals, as people copy them.
pub fn read_code(typed: &str) -> Result<EnteredCode, String> {
    let code: String = typed
        .chars()
        .filter(|character| !character.is_whitespace() && *character != '-')
        .map(|character| character.to_ascii_lowercase())
        .collect();
    if code.is_empty() {
        return Err("Enter the 6-digit code from your authenticator app".into());
    }
    if code.len() == 6 && code.bytes().all(|byte| byte.is_ascii_digit()) {
        return Ok(EnteredCode::App(code));
    }
    if code.len() == RECOVERY_CODE_LENGTH && code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)) {
        return Ok(EnteredCode::Recovery(code));
    }
    Err("Enter the 6 digits from your authenticator app, or one of your 10-character recovery codes".into())
}

/// A recovery code as shown to people: "abcde-fghjk".
pub fn show_recovery_code(code: &str) -> String {
    let (first, second) = code.split_at(code.len().min(RECOVERY_CODE_LENGTH / 2));
    format!("{first}-{second}")
}

/// Whether another code may be checked, given the wrong ones counted within the window.
pub fn code_attempt_allowed(for_account: i64, for_address: i64) -> Result<(), String> {
    if for_account >= MAX_WRONG_CODES_PER_ACCOUNT || for_address >= MAX_WRONG_CODES_PER_ADDRESS {
        Err(format!(
            "There have been too many wrong codes. Wait {} minutes and sign in again.",
            crate::sign_in::WINDOW_MINUTES
        ))
    } else {
        Ok(())
    }
}

/// Whether an app code matching time step `step` may be accepted, when the last one accepted
/// for the account matched `last_used_step`: each step's code works once (RFC 6238, 5.2).
pub fn step_is_fresh(step: u64, last_used_step: u64) -> bool {
    step > last_used_step
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nhs_england_roles_need_a_second_factor_and_others_may_choose() {
        assert!(required(&[Role::Moderator]));
        assert!(required(&[Role::TrustLead, Role::Approver]));
        assert!(required(&[Role::Admin]));
        assert!(!required(&[Role::TrustLead, Role::PeerReviewer]));
        assert!(!required(&[]));
    }

    #[test]
    fn the_step_after_the_password() {
        assert_eq!(
            after_first_factor(&[Role::TrustLead], false),
            SignInStep::Done
        );
        assert_eq!(
            after_first_factor(&[Role::TrustLead], true),
            SignInStep::EnterCode
        );
        assert_eq!(
            after_first_factor(&[Role::Admin], false),
            SignInStep::SetUpApp
        );
        assert_eq!(
            after_first_factor(&[Role::Admin], true),
            SignInStep::EnterCode
        );
    }

    #[test]
    fn codes_are_read_as_people_type_them() {
        assert_eq!(
            read_code(" 123 456 "),
            Ok(EnteredCode::App("123456".into()))
        );
        assert_eq!(
            read_code("ABCDE-FGHJK"),
            Ok(EnteredCode::Recovery("abcdefghjk".into()))
        );
        assert!(read_code("").unwrap_err().contains("6-digit code"));
        for wrong in ["12345", "1234567", "12345a", "abcde-fghi0", "abcdefghjkm"] {
            assert!(read_code(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn wrong_codes_are_limited() {
        assert!(code_attempt_allowed(4, 19).is_ok());
        assert!(code_attempt_allowed(5, 0)
            .unwrap_err()
            .contains("too many wrong codes"));
        assert!(code_attempt_allowed(0, 20).is_err());
    }

    #[test]
    fn a_step_is_accepted_once() {
        assert!(step_is_fresh(10, 9));
        assert!(!step_is_fresh(10, 10));
        assert!(!step_is_fresh(9, 10));
    }

    fn recovery_code() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select(RECOVERY_ALPHABET),
            RECOVERY_CODE_LENGTH,
        )
        .prop_map(|bytes| String::from_utf8(bytes).expect("the alphabet is ASCII"))
    }

    proptest! {
        #[test]
        fn a_shown_recovery_code_reads_back_as_itself(code in recovery_code(), upper in any::<bool>()) {
            let shown = show_recovery_code(&code);
            let typed = if upper { shown.to_uppercase() } else { shown };
            prop_assert_eq!(read_code(&typed), Ok(EnteredCode::Recovery(code)));
        }

        #[test]
        fn any_six_digits_read_as_an_app_code(number in 0u32..1_000_000, spaced in any::<bool>()) {
            let digits = format!("{number:06}");
            let typed = if spaced { format!("{} {}", &digits[..3], &digits[3..]) } else { digits.clone() };
            prop_assert_eq!(read_code(&typed), Ok(EnteredCode::App(digits)));
        }

        #[test]
        fn nothing_else_is_read_as_a_code(typed in "\\PC{0,30}") {
            if let Ok(code) = read_code(&typed) {
                match code {
                    EnteredCode::App(digits) => prop_assert_eq!(digits.len(), 6),
                    EnteredCode::Recovery(code) => prop_assert_eq!(code.len(), RECOVERY_CODE_LENGTH),
                }
            }
        }

        #[test]
        fn whoever_has_an_app_is_asked_for_a_code(admin in any::<bool>(), lead in any::<bool>()) {
            let roles: Vec<Role> = [(admin, Role::Admin), (lead, Role::TrustLead)]
                .into_iter().filter_map(|(held, role)| held.then_some(role)).collect();
            prop_assert_eq!(after_first_factor(&roles, true), SignInStep::EnterCode);
            prop_assert_eq!(after_first_factor(&roles, false) == SignInStep::SetUpApp, admin);
        }
    }
}

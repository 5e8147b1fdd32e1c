//! Peer reviewers' own details: the care settings they can review well, how many reviews they can
//! take in a cycle, and the trusts they have a conflict of interest with.

use super::organisations::CareSetting;
use serde::{Deserialize, Serialize};

/// What a reviewer has told us about themselves. No saved profile reads as an empty one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerProfile {
    /// The care settings they can review well, in [`CareSetting::ALL`] order.
    pub expertise: Vec<CareSetting>,
    /// The most reviews they can take in a cycle; `None` means the cycle's default.
    pub capacity: Option<i64>,
}

/// A trust a reviewer must never review, as shown on screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredConflict {
    pub trust_ods_code: String,
    /// The trust's readable name in the current organisation structure, or its ODS code if it is
    /// no longer in it.
    pub trust_name: String,
    pub reason: String,
    /// The display name of whoever declared it: the reviewer or an administrator.
    pub declared_by: String,
    /// When, as stored (RFC 3339, UTC).
    pub declared_at: String,
}

/// The fewest and most reviews a reviewer can offer to take in one cycle.
pub const CAPACITY_RANGE: std::ops::RangeInclusive<i64> = 1..=20;

/// The longest reason for declaring or withdrawing a conflict, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Each care setting once, in [`CareSetting::ALL`] order.
pub fn normalised(expertise: &[CareSetting]) -> Vec<CareSetting> {
    CareSetting::ALL
        .into_iter()
        .filter(|setting| expertise.contains(setting))
        .collect()
}

/// Reads the capacity a reviewer typed: empty means the cycle's default.
pub fn parse_capacity(text: &str) -> Result<Option<i64>, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i64>()
        .ok()
        .filter(|number| CAPACITY_RANGE.contains(number))
        .map(Some)
        .ok_or("Enter the most reviews you can take as a whole number from 1 to 20, or leave it empty to use the cycle's usual number")
}

/// Checks a profile can be saved: at least one care setting.
pub fn check_profile(profile: &ReviewerProfile) -> Result<(), &'static str> {
    if profile.expertise.is_empty() {
        return Err("Select at least one care setting you can review");
    }
    Ok(())
}

/// Checks the reason given for declaring or withdrawing a conflict, trimmed.
pub fn check_reason(reason: &str) -> Result<&str, &'static str> {
    super::reasons::given_reason(reason, MAX_REASON_CHARS)
        .ok_or("Enter the reason, in 500 characters or fewer")
}

/// A profile in words, for the audit trail: "Acute, Community; at most 3 reviews".
pub fn describe(profile: &ReviewerProfile) -> String {
    let settings = if profile.expertise.is_empty() {
        "no care settings".to_string()
    } else {
        normalised(&profile.expertise)
            .iter()
            .map(|setting| setting.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let capacity = match profile.capacity {
        Some(1) => "at most 1 review".to_string(),
        Some(capacity) => format!("at most {capacity} reviews"),
        None => "the cycle's usual number of reviews".to_string(),
    };
    format!("{settings}; {capacity}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use CareSetting::*;

    #[test]
    fn capacity_is_empty_or_a_whole_number_from_1_to_20() {
        assert_eq!(parse_capacity(""), Ok(None));
        assert_eq!(parse_capacity("  "), Ok(None));
        assert_eq!(parse_capacity(" 3 "), Ok(Some(3)));
        assert_eq!(parse_capacity("1"), Ok(Some(1)));
        assert_eq!(parse_capacity("20"), Ok(Some(20)));
        for bad in ["0", "21", "-1", "2.5", "three", "1e3"] {
            assert!(parse_capacity(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_profile_needs_a_care_setting_and_a_reason_needs_words() {
        assert!(check_profile(&ReviewerProfile::default()).is_err());
        assert!(check_profile(&ReviewerProfile {
            expertise: vec![Ambulance],
            capacity: None,
        })
        .is_ok());
        assert_eq!(
            check_reason("  My sister works there "),
            Ok("My sister works there")
        );
        assert!(check_reason("   ").is_err());
        assert!(check_reason(&"x".repeat(500)).is_ok());
        assert!(check_reason(&"x".repeat(501)).is_err());
        assert!(
            check_reason(&"é".repeat(500)).is_ok(),
            "characters, not bytes"
        );
    }

    #[test]
    fn a_profile_reads_as_words_for_the_audit_trail() {
        assert_eq!(
            describe(&ReviewerProfile {
                expertise: vec![Community, Acute],
                capacity: Some(3),
            }),
            "Acute, Community; at most 3 reviews"
        );
        assert_eq!(
            describe(&ReviewerProfile {
                expertise: vec![Icb],
                capacity: Some(1),
            }),
            "ICB; at most 1 review"
        );
        assert_eq!(
            describe(&ReviewerProfile::default()),
            "no care settings; the cycle's usual number of reviews"
        );
    }
}

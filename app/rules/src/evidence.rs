//! Evidence documents a trust attaches to a domain: whether the virus check has passed, and the
//! limits on how much is attached.

use serde::{Deserialize, Serialize};

stored_enum! {
    /// Where a stored document stands with the virus scanner. Only a clean or unscanned file is
    /// ever served; a quarantined one never is.
    pub enum ScanState {
        BeingChecked = ("being-checked", "Being checked"),
        Clean = ("clean", "Checked"),
        Quarantined = ("quarantined", "Failed the virus check"),
        /// The service runs without a scanner (no CLAMD_ADDRESS), and says so.
        NotScanned = ("not-scanned", "Not scanned"),
    }
}

impl ScanState {
    /// Whether the file may be sent to a reader: checked clean, or recorded without a scanner.
    pub fn servable(self) -> bool {
        matches!(self, ScanState::Clean | ScanState::NotScanned)
    }
}

/// How much may be attached (settings EVIDENCE_MAX_FILE_MB, EVIDENCE_MAX_ASSESSMENT_MB,
/// EVIDENCE_MAX_FILES_PER_DOMAIN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_assessment_bytes: u64,
    pub max_files_per_domain: u64,
}

impl Default for Limits {
    /// 20 MB a file, 200 MB an assessment, 50 files a domain.
    fn default() -> Self {
        Limits {
            max_file_bytes: 20 * MEGABYTE,
            max_assessment_bytes: 200 * MEGABYTE,
            max_files_per_domain: 50,
        }
    }
}

pub const MEGABYTE: u64 = 1024 * 1024;

/// A size in words: "1.5 MB", "12 KB", "300 bytes".
pub fn size_shown(bytes: u64) -> String {
    if bytes >= MEGABYTE {
        format!("{:.1} MB", bytes as f64 / MEGABYTE as f64)
    } else if bytes >= 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{bytes} bytes")
    }
}

/// Which limit a new attachment would break.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitExceeded {
    FileTooLarge { limit: u64 },
    AssessmentFull { limit: u64 },
    DomainFull { limit: u64 },
}

impl LimitExceeded {
    /// The refusal in words, naming the file.
    pub fn message(self, file_name: &str) -> String {
        match self {
            LimitExceeded::FileTooLarge { limit } => format!(
                "{file_name} is larger than {}, the most a file can be. Attach a smaller file, or split it.",
                size_shown(limit)
            ),
            LimitExceeded::AssessmentFull { limit } => format!(
                "{file_name} was not attached: the files attached to this assessment would come to more than {}. Remove a file you no longer need first.",
                size_shown(limit)
            ),
            LimitExceeded::DomainFull { limit } => format!(
                "{file_name} was not attached: a section can have at most {limit} files. Remove a file you no longer need first."
            ),
        }
    }
}

/// Whether a file of `file_bytes` may be attached to a domain that has `domain_files` files, in
/// an assessment whose attached files come to `assessment_bytes`.
pub fn check_limits(
    limits: &Limits,
    file_bytes: u64,
    assessment_bytes: u64,
    domain_files: u64,
) -> Result<(), LimitExceeded> {
    if file_bytes > limits.max_file_bytes {
        Err(LimitExceeded::FileTooLarge {
            limit: limits.max_file_bytes,
        })
    } else if domain_files >= limits.max_files_per_domain {
        Err(LimitExceeded::DomainFull {
            limit: limits.max_files_per_domain,
        })
    } else if assessment_bytes.saturating_add(file_bytes) > limits.max_assessment_bytes {
        Err(LimitExceeded::AssessmentFull {
            limit: limits.max_assessment_bytes,
        })
    } else {
        Ok(())
    }
}

/// The longest description of an attached file.
pub const DESCRIPTION_LIMIT: usize = 200;

/// A file's description as entered, trimmed: required, and at most [`DESCRIPTION_LIMIT`]
/// characters.
pub fn checked_description(text: &str) -> Result<&str, String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > DESCRIPTION_LIMIT {
        Err(format!(
            "Describe the file in {DESCRIPTION_LIMIT} characters or fewer, so reviewers know what it shows"
        ))
    } else {
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_clean_or_unscanned_files_are_served() {
        let servable: Vec<ScanState> = ScanState::ALL
            .into_iter()
            .filter(|state| state.servable())
            .collect();
        assert_eq!(servable, [ScanState::Clean, ScanState::NotScanned]);
    }

    #[test]
    fn each_limit_is_named_in_its_refusal() {
        let limits = Limits::default();
        assert_eq!(
            check_limits(&limits, 20 * MEGABYTE, 180 * MEGABYTE, 49),
            Ok(())
        );
        assert_eq!(
            check_limits(&limits, 20 * MEGABYTE + 1, 0, 0),
            Err(LimitExceeded::FileTooLarge {
                limit: 20 * MEGABYTE
            })
        );
        assert_eq!(
            check_limits(&limits, 1, 200 * MEGABYTE, 0),
            Err(LimitExceeded::AssessmentFull {
                limit: 200 * MEGABYTE
            })
        );
        assert_eq!(
            check_limits(&limits, 1, 0, 50),
            Err(LimitExceeded::DomainFull { limit: 50 })
        );
        assert_eq!(
            LimitExceeded::FileTooLarge { limit: 20 * MEGABYTE }.message("scan.pdf"),
            "scan.pdf is larger than 20.0 MB, the most a file can be. Attach a smaller file, or split it."
        );
    }

    #[test]
    fn sizes_are_shown_in_the_unit_people_read() {
        assert_eq!(size_shown(300), "300 bytes");
        assert_eq!(size_shown(12 * 1024 - 5), "12 KB");
        assert_eq!(size_shown(3 * MEGABYTE / 2), "1.5 MB");
    }

    #[test]
    fn a_description_is_required_and_short() {
        assert_eq!(
            checked_description("  Board paper, May 2026 "),
            Ok("Board paper, May 2026")
        );
        assert!(checked_description("   ").is_err());
        assert!(checked_description(&"é".repeat(DESCRIPTION_LIMIT)).is_ok());
        assert!(checked_description(&"é".repeat(DESCRIPTION_LIMIT + 1)).is_err());
    }

    proptest! {
        /// Whatever is attached already, a file is accepted exactly when it keeps within every
        /// limit.
        #[test]
        fn a_file_is_accepted_exactly_within_every_limit(
            file in 0..30 * MEGABYTE,
            attached in 0..250 * MEGABYTE,
            files in 0..60u64,
        ) {
            let limits = Limits::default();
            let within = file <= limits.max_file_bytes
                && attached + file <= limits.max_assessment_bytes
                && files < limits.max_files_per_domain;
            prop_assert_eq!(check_limits(&limits, file, attached, files).is_ok(), within);
        }
    }
}

//! Organisations: NHS England regions → integrated care boards (one per integrated care system)
//! → trusts, and the care settings a trust is assessed in.
//!
//! The structure changes over time (ICBs merged in April 2026), so a hierarchy is always one dated
//! snapshot; cycles keep the snapshot that stood when they opened.

use serde::{Deserialize, Serialize};

stored_enum! {
    /// A care setting: each trust submits one assessment per setting it provides. Stored, and
    /// named in NHS England's data and on screen, by its label.
    pub enum CareSetting {
        Acute = ("Acute", "Acute"),
        Community = ("Community", "Community"),
        MentalHealth = ("Mental Health", "Mental Health"),
        Ambulance = ("Ambulance", "Ambulance"),
        /// An integrated care board's own survey.
        Icb = ("ICB", "ICB"),
    }
}

impl CareSetting {
    /// Reads a label as written in NHS England's data, ignoring case and surrounding spaces.
    pub fn from_label(text: &str) -> Option<CareSetting> {
        let text = text.trim();
        CareSetting::ALL
            .into_iter()
            .find(|setting| setting.label().eq_ignore_ascii_case(text))
    }
}

/// An ODS code as used for regions (Y56), ICBs (QOX) and trusts (R0A, G6V2S): 3 to 5 upper-case
/// letters and digits.
pub fn is_valid_ods_code(code: &str) -> bool {
    (3..=5).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// An ONS geography code: a letter, then 8 digits (E40000003, E54000040).
pub fn is_valid_ons_code(code: &str) -> bool {
    let mut chars = code.chars();
    code.len() == 9
        && chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_digit())
}

/// Turns an organisation name as ODS publishes it ("KING'S COLLEGE HOSPITAL NHS FOUNDATION TRUST")
/// into the form people read ("King's College Hospital NHS Foundation Trust"). Names already in
/// mixed case are left as they are.
/// What an integrated care system is called after its board: "NHS West Yorkshire Integrated Care
/// Board" is "NHS West Yorkshire ICS".
pub fn ics_name(icb_name: &str) -> String {
    icb_name.replace(" Integrated Care Board", " ICS")
}

pub fn readable_name(ods_name: &str) -> String {
    let name = ods_name.trim();
    if name.chars().any(|c| c.is_ascii_lowercase()) {
        return name.to_string();
    }
    name.split(' ')
        .filter(|word| !word.is_empty())
        .enumerate()
        .map(|(position, word)| readable_word(word, position == 0))
        .collect::<Vec<_>>()
        .join(" ")
}

fn readable_word(word: &str, first: bool) -> String {
    const KEEP_UPPER: [&str; 4] = ["NHS", "ICB", "UK", "GP"];
    const MINOR: [&str; 6] = ["AND", "OF", "THE", "FOR", "IN", "ON"];
    if KEEP_UPPER.contains(&word) {
        return word.to_string();
    }
    if !first && MINOR.contains(&word) {
        return word.to_lowercase();
    }
    // Capitalise after a hyphen or bracket too: "WESTON-SUPER-MARE", "(NHS)".
    let mut out = String::with_capacity(word.len());
    let mut start_of_part = true;
    for c in word.chars() {
        if start_of_part {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start_of_part = matches!(c, '-' | '(' | '/');
    }
    out
}

/// An NHS England region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub ods_code: String,
    pub name: String,
    pub ons_code: String,
}

/// An integrated care board: the statutory body of one integrated care system (ICS).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Icb {
    pub ods_code: String,
    pub name: String,
    pub ons_code: String,
    pub region_ods_code: String,
}

/// An NHS trust.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trust {
    pub ods_code: String,
    pub name: String,
    /// The ICB that is the trust's parent in ODS.
    pub icb_ods_code: String,
    pub region_ods_code: String,
    /// The ICS the national assessment places the trust in. It differs from the ODS parent for
    /// trusts, mostly ambulance trusts, that serve several systems.
    pub assessed_in_icb_ods_code: String,
    /// The settings the trust is assessed in; empty for a trust that is not assessed.
    pub care_settings: Vec<CareSetting>,
    /// ISO date, YYYY-MM-DD.
    pub opened_on: String,
}

/// One complete, consistent snapshot of the organisation hierarchy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgHierarchy {
    pub regions: Vec<Region>,
    pub icbs: Vec<Icb>,
    pub trusts: Vec<Trust>,
}

/// Which snapshot of the hierarchy a page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    pub id: String,
    pub label: String,
    /// ISO date the hierarchy stood, YYYY-MM-DD.
    pub as_of: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcbSummary {
    pub ods_code: String,
    pub name: String,
    pub trust_count: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionWithIcbs {
    pub ods_code: String,
    pub name: String,
    pub icbs: Vec<IcbSummary>,
}

/// The whole directory: regions and their ICBs, in one snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    pub snapshot: SnapshotInfo,
    pub regions: Vec<RegionWithIcbs>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustSummary {
    pub ods_code: String,
    pub name: String,
    pub care_settings: Vec<CareSetting>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcbDetail {
    pub ods_code: String,
    pub name: String,
    pub ons_code: String,
    pub region_name: String,
    /// Trusts whose ODS parent is this ICB.
    pub trusts: Vec<TrustSummary>,
    /// Trusts with another ODS parent that the national assessment places in this ICS.
    pub also_assessed_here: Vec<TrustSummary>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustDetail {
    pub ods_code: String,
    pub name: String,
    pub icb_ods_code: String,
    pub icb_name: String,
    pub region_name: String,
    pub assessed_in_icb_ods_code: String,
    pub assessed_in_icb_name: String,
    pub care_settings: Vec<CareSetting>,
    pub opened_on: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrgKind {
    Icb,
    Trust,
}

/// One organisation that matches a search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSearchHit {
    pub kind: OrgKind,
    pub ods_code: String,
    pub name: String,
    /// Where it sits: a trust's ICB, an ICB's region.
    pub parent_name: String,
    pub care_settings: Vec<CareSetting>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn care_settings_read_from_their_labels_in_any_case() {
        assert_eq!(
            CareSetting::from_label("Mental Health"),
            Some(CareSetting::MentalHealth)
        );
        assert_eq!(CareSetting::from_label(" acute "), Some(CareSetting::Acute));
        assert_eq!(CareSetting::from_label("Dental"), None);
        for setting in CareSetting::ALL {
            assert_eq!(CareSetting::from_label(setting.label()), Some(setting));
        }
    }

    #[test]
    fn ods_codes_are_three_to_five_upper_case_letters_or_digits() {
        for good in ["Y56", "QOX", "R0A", "G6V2S", "RVN"] {
            assert!(is_valid_ods_code(good), "{good}");
        }
        for bad in ["", "R0", "r0a", "ABCDEF", "R 0A", "R-0A"] {
            assert!(!is_valid_ods_code(bad), "{bad}");
        }
    }

    #[test]
    fn ons_codes_are_a_letter_and_eight_digits() {
        assert!(is_valid_ons_code("E54000040"));
        assert!(!is_valid_ons_code("E5400004"));
        assert!(!is_valid_ons_code("554000040"));
        assert!(!is_valid_ons_code("E5400004X"));
    }

    #[test]
    fn ods_names_read_as_people_write_them() {
        assert_eq!(
            readable_name("KING'S COLLEGE HOSPITAL NHS FOUNDATION TRUST"),
            "King's College Hospital NHS Foundation Trust"
        );
        assert_eq!(
            readable_name("SOUTH TYNESIDE AND SUNDERLAND NHS FOUNDATION TRUST"),
            "South Tyneside and Sunderland NHS Foundation Trust"
        );
        assert_eq!(
            readable_name("WESTON-SUPER-MARE  HOSPITAL"),
            "Weston-Super-Mare Hospital"
        );
        assert_eq!(readable_name("THE ROYAL MARSDEN"), "The Royal Marsden");
        assert_eq!(
            readable_name("NHS Birmingham and Solihull Integrated Care Board"),
            "NHS Birmingham and Solihull Integrated Care Board"
        );
    }
}

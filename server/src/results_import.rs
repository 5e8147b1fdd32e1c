//! Reads an earlier cycle's published results from a CSV file, checking every row against the
//! framework and the current organisations and reporting each problem by file and line. Either
//! every row is right and all are returned, or nothing is.
//!
//! The header row is `ods_code,care_setting`, then a column per pillar key of the framework and,
//! if known, a column per domain key, in any order:
//!
//! ```text
//! ods_code,care_setting,well-led,smart-foundations,digital-strategy,infrastructure
//! RR8,Acute,3,2.67,3,
//! ```
//!
//! Every pillar that applies to a care setting in the file needs a column, and a score in each
//! row of that setting: a number from 1 to 5 with at most 2 decimal places, since published
//! pillar scores are means. Domain scores are whole numbers from 1 to 5; an empty domain cell
//! means the score is not known. A pillar or domain that does not apply to a row's care setting
//! is left empty. The overall score is worked out from the pillars with their weights.

use crate::org_import::{problem, rows, ImportProblem};
use app::rules::cycles::is_valid_date;
use app::rules::framework::{Framework, Pillar};
use app::rules::organisations::CareSetting;
use app::rules::scoring::overall_score;
use app::store::published::PublishedAssessment;
use std::collections::{BTreeMap, BTreeSet};

/// Scores go from 1 to 5; in hundredths, from 100 to 500.
const LOWEST_SCORE: i64 = 100;
const HIGHEST_SCORE: i64 = 500;

/// A problem with an option is reported under the option's name, where a file's is under the
/// file's name.
const CYCLE_NAME_OPTION: &str = "--cycle-name";
const PUBLISHED_ON_OPTION: &str = "--published-on";

/// The organisations a results file may name: ICBs for their own surveys, trusts otherwise.
pub struct CurrentOrganisations {
    pub trust_codes: BTreeSet<String>,
    pub icb_codes: BTreeSet<String>,
}

/// Problems with the cycle the results are imported as: its name must be new and its
/// publication date real.
pub fn check_cycle(
    name: &str,
    published_on: &str,
    taken_names: &BTreeSet<String>,
) -> Vec<ImportProblem> {
    let mut problems = Vec::new();
    if name.trim().is_empty() {
        problems.push(problem(
            CYCLE_NAME_OPTION,
            0,
            "the name is blank; give the cycle a name such as \"DMA 2025/26\"".into(),
        ));
    } else if taken_names.contains(name) {
        problems.push(problem(
            CYCLE_NAME_OPTION,
            0,
            format!("there is already a cycle called \"{name}\"; choose another name"),
        ));
    }
    if !is_valid_date(published_on) {
        problems.push(problem(
            PUBLISHED_ON_OPTION,
            0,
            format!("\"{published_on}\" is not a real date written YYYY-MM-DD, like 2025-06-30"),
        ));
    }
    problems
}

/// Parses and checks a results file against `framework` and the current organisations.
pub fn parse_results(
    file: &str,
    text: &str,
    framework: &Framework,
    organisations: &CurrentOrganisations,
) -> Result<Vec<PublishedAssessment>, Vec<ImportProblem>> {
    let mut problems = Vec::new();
    // Spreadsheets save CSV with CRLF line endings, and the csv crate then reports every line one
    // too low (rust-csv issue 395), so the lines end in LF alone before reading.
    let text = text.replace("\r\n", "\n");
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => {
            return Err(vec![problem(
                file,
                1,
                format!("the header row cannot be read: {error}"),
            )])
        }
    };
    let Some(pillar_columns) = read_header(file, &headers, framework, &mut problems) else {
        return Err(problems);
    };
    let mut first_lines: BTreeMap<(String, CareSetting), u64> = BTreeMap::new();
    let mut assessments = Vec::new();
    for (line, row) in rows(file, reader, &mut problems) {
        let cell = |column: &str| row.get(column).map_or("", String::as_str);
        let mut found = Vec::new();
        let mut report = |message: String| found.push(problem(file, line, message));
        let code = cell("ods_code");
        let setting = match (
            cell("care_setting"),
            CareSetting::from_label(cell("care_setting")),
        ) {
            (_, Some(setting)) => Some(setting),
            ("", None) => {
                report("care_setting is empty".into());
                None
            }
            (label, None) => {
                report(format!(
                    "care setting \"{label}\" is not one of Acute, Community, Mental Health, Ambulance, ICB"
                ));
                None
            }
        };
        if code.is_empty() {
            report("ods_code is empty".into());
        }
        let Some(setting) = setting else {
            problems.append(&mut found);
            continue;
        };
        if !code.is_empty() {
            let (known, kind) = match setting {
                CareSetting::Icb => (&organisations.icb_codes, "an ICB"),
                _ => (&organisations.trust_codes, "a trust"),
            };
            if !known.contains(code) {
                report(format!(
                    "ODS code {code} is not {kind} in the current organisation structure"
                ));
            }
            match first_lines.get(&(code.to_string(), setting)) {
                Some(first) => report(format!(
                    "{code} {setting} appears more than once; it is first on line {first}"
                )),
                None => {
                    first_lines.insert((code.to_string(), setting), line);
                }
            }
        }
        if !framework
            .pillars
            .iter()
            .any(|pillar| applies(pillar, setting))
        {
            report(format!(
                "framework {} has no pillar that applies to {setting}, so there is nothing to score",
                framework.version
            ));
        }
        let mut pillars = Vec::new();
        let mut domains = Vec::new();
        for pillar in &framework.pillars {
            let score = cell(&pillar.key);
            if !applies(pillar, setting) {
                if !score.is_empty() {
                    report(format!(
                        "pillar {} does not apply to {setting}; leave its score empty",
                        pillar.key
                    ));
                }
            } else if pillar_columns.contains(pillar.key.as_str()) {
                if score.is_empty() {
                    report(format!(
                        "the {} score is empty; every pillar that applies to {setting} needs one",
                        pillar.key
                    ));
                } else if let Some(score) = checked_score(&pillar.key, score, &mut report) {
                    pillars.push((pillar, score));
                }
            }
            for domain in &pillar.domains {
                let score = cell(&domain.key);
                if score.is_empty() {
                    continue;
                }
                if !domain.applies_to(setting) {
                    report(format!(
                        "domain {} does not apply to {setting}; leave its score empty",
                        domain.key
                    ));
                } else if let Some(hundredths) = checked_score(&domain.key, score, &mut report) {
                    if hundredths % 100 == 0 {
                        domains.push((domain.key.clone(), hundredths));
                    } else {
                        report(format!(
                            "the {} score is {score}; a domain score is a whole number from 1 to 5",
                            domain.key
                        ));
                    }
                }
            }
        }
        let weighted: Vec<(f64, f64)> = pillars
            .iter()
            .map(|(pillar, score)| (pillar.weight, *score as f64 / 100.0))
            .collect();
        match overall_score(&weighted) {
            Some(overall) if found.is_empty() => assessments.push(PublishedAssessment {
                trust_ods_code: code.to_string(),
                care_setting: setting,
                overall: (overall * 100.0).round() as i64,
                pillars: pillars
                    .into_iter()
                    .map(|(pillar, score)| (pillar.key.clone(), score))
                    .collect(),
                domains,
            }),
            _ => problems.append(&mut found),
        }
    }
    let settings: BTreeSet<CareSetting> = first_lines.keys().map(|(_, setting)| *setting).collect();
    for pillar in &framework.pillars {
        let needed_by: Vec<&str> = settings
            .iter()
            .filter(|&&setting| applies(pillar, setting))
            .map(|setting| setting.label())
            .collect();
        if !needed_by.is_empty() && !pillar_columns.contains(pillar.key.as_str()) {
            problems.push(problem(
                file,
                1,
                format!(
                    "there is no column for pillar {}, which applies to {}; add one",
                    pillar.key,
                    listed(&needed_by)
                ),
            ));
        }
    }
    if assessments.is_empty() && problems.is_empty() {
        problems.push(problem(
            file,
            0,
            "there are no results; after the header row, give one row per assessment".into(),
        ));
    }
    if problems.is_empty() {
        Ok(assessments)
    } else {
        // In file order; the sort is stable, so a line's problems keep their order.
        problems.sort_by_key(|problem| problem.line);
        Err(problems)
    }
}

/// "Acute", "Acute and ICB", "Acute, Community and ICB".
fn listed(items: &[&str]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.join(""),
    }
}

/// Whether a pillar is scored in a care setting: when any of its domains is.
fn applies(pillar: &Pillar, setting: CareSetting) -> bool {
    pillar
        .domains
        .iter()
        .any(|domain| domain.applies_to(setting))
}

/// Checks the header row, returning the keys of the pillars that have a column, or `None` when
/// the rows cannot be read because a column is repeated or ods_code or care_setting is missing.
fn read_header<'f>(
    file: &str,
    headers: &csv::StringRecord,
    framework: &'f Framework,
    problems: &mut Vec<ImportProblem>,
) -> Option<BTreeSet<&'f str>> {
    let mut seen = BTreeSet::new();
    let mut readable = true;
    let mut pillar_columns = BTreeSet::new();
    for header in headers {
        if !seen.insert(header) {
            problems.push(problem(
                file,
                1,
                format!("column {header} appears more than once; give each column once"),
            ));
            readable = false;
            continue;
        }
        let is_domain = || {
            framework
                .pillars
                .iter()
                .flat_map(|pillar| &pillar.domains)
                .any(|domain| domain.key == header)
        };
        if let Some(pillar) = framework.pillars.iter().find(|pillar| pillar.key == header) {
            pillar_columns.insert(pillar.key.as_str());
        } else if !(header == "ods_code" || header == "care_setting" || is_domain()) {
            problems.push(problem(
                file,
                1,
                format!(
                    "column {header} is neither a pillar nor a domain of framework {}; \
                     use the framework's keys, like {}",
                    framework.version,
                    framework
                        .pillars
                        .first()
                        .map_or("well-led", |pillar| pillar.key.as_str())
                ),
            ));
        }
    }
    for required in ["ods_code", "care_setting"] {
        if !seen.contains(required) {
            problems.push(problem(
                file,
                1,
                format!(
                    "there is no {required} column; the header row starts ods_code,care_setting"
                ),
            ));
            readable = false;
        }
    }
    readable.then_some(pillar_columns)
}

/// A score from 1 to 5 with at most 2 decimal places, in hundredths; reports anything else.
fn checked_score(key: &str, cell: &str, report: &mut impl FnMut(String)) -> Option<i64> {
    match hundredths(cell) {
        None => {
            report(format!(
                "the {key} score \"{cell}\" is not a number from 1 to 5 with at most 2 decimal places"
            ));
            None
        }
        Some(score) if !(LOWEST_SCORE..=HIGHEST_SCORE).contains(&score) => {
            report(format!("the {key} score is {cell}; scores go from 1 to 5"));
            None
        }
        Some(score) => Some(score),
    }
}

/// "2.67" → 267, "3" → 300, "2.5" → 250. Exact, unlike a float: anything but digits with an
/// optional point and one or two decimals is refused.
fn hundredths(text: &str) -> Option<i64> {
    let is_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let (whole, decimals) = match text.split_once('.') {
        Some((whole, decimals)) if is_digits(decimals) && decimals.len() <= 2 => (whole, decimals),
        Some(_) => return None,
        None => (text, ""),
    };
    if !is_digits(whole) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let decimals: i64 = format!("{decimals:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(decimals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::rules::framework::parse_framework;

    /// Like the app crate's small test framework: "well-led" (weight 2, domain "digital-strategy")
    /// applies to Acute and ICB; "smart-foundations" (weight 1, domain "infrastructure") to the
    /// four provider settings.
    const FRAMEWORK: &str = r#"
version = "2026.1"
title = "Test framework"

[[pillars]]
key = "well-led"
name = "Well Led"
weight = 2.0

  [[pillars.domains]]
  key = "digital-strategy"
  name = "Digital strategy"
  care_settings = ["Acute", "ICB"]
  levels = [
    { level = 2, criteria = [{ key = "strategy-2a", text = "Drafted.", evidence = "Draft." }] },
    { level = 3, criteria = [{ key = "strategy-3a", text = "Approved.", evidence = "Minutes." }] },
    { level = 4, criteria = [{ key = "strategy-4a", text = "Measured.", evidence = "Papers." }] },
    { level = 5, criteria = [{ key = "strategy-5a", text = "Adopted.", evidence = "Letters." }] },
  ]

[[pillars]]
key = "smart-foundations"
name = "Ensure Smart Foundations"
weight = 1

  [[pillars.domains]]
  key = "infrastructure"
  name = "Infrastructure"
  care_settings = ["Acute", "Community", "Mental Health", "Ambulance"]
  levels = [
    { level = 2, criteria = [{ key = "infra-2a", text = "Wi-fi works.", evidence = "Survey." }] },
    { level = 3, criteria = [{ key = "infra-3a", text = "Monitored.", evidence = "Dashboards." }] },
    { level = 4, criteria = [{ key = "infra-4a", text = "Failover.", evidence = "Tests." }] },
    { level = 5, criteria = [{ key = "infra-5a", text = "Shared.", evidence = "Agreements." }] },
  ]
"#;

    const GOOD: &str =
        "ods_code,care_setting,well-led,smart-foundations,digital-strategy,infrastructure\n\
        RR8,Acute,3,2.67,3,\n\
        RY6,Community,,1.5,,2\n\
        RY6,Mental Health,,4,,4\n\
        QWO,ICB,2.5,,,\n";

    fn framework() -> Framework {
        parse_framework(FRAMEWORK).expect("the test framework is valid")
    }

    fn organisations() -> CurrentOrganisations {
        CurrentOrganisations {
            trust_codes: ["RR8", "RY6", "RX9"].map(String::from).into(),
            icb_codes: ["QWO"].map(String::from).into(),
        }
    }

    fn parse(text: &str) -> Result<Vec<PublishedAssessment>, Vec<ImportProblem>> {
        parse_results("results.csv", text, &framework(), &organisations())
    }

    fn messages(text: &str) -> Vec<String> {
        parse(text)
            .expect_err("the file has a problem")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn owned(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
        pairs
            .iter()
            .map(|&(key, score)| (key.into(), score))
            .collect()
    }

    #[test]
    fn a_good_file_gives_every_assessment_with_its_weighted_overall_score() {
        let assessments = parse(GOOD).expect("a valid file");
        assert_eq!(
            assessments[0],
            PublishedAssessment {
                trust_ods_code: "RR8".into(),
                care_setting: CareSetting::Acute,
                // (2 × 3 + 1 × 2.67) / 3 = 2.89
                overall: 289,
                pillars: owned(&[("well-led", 300), ("smart-foundations", 267)]),
                domains: owned(&[("digital-strategy", 300)]),
            }
        );
        assert_eq!(
            assessments[1],
            PublishedAssessment {
                trust_ods_code: "RY6".into(),
                care_setting: CareSetting::Community,
                overall: 150,
                pillars: owned(&[("smart-foundations", 150)]),
                domains: owned(&[("infrastructure", 200)]),
            }
        );
        assert_eq!(assessments[2].care_setting, CareSetting::MentalHealth);
        assert_eq!(
            (
                assessments[3].trust_ods_code.as_str(),
                assessments[3].overall
            ),
            ("QWO", 250)
        );
        assert_eq!(assessments.len(), 4);
    }

    #[test]
    fn columns_may_come_in_any_order_and_domains_may_be_left_out() {
        let text = "smart-foundations,care_setting,ods_code\n 2.25 ,ambulance,RX9\n";
        let assessments = parse(text).expect("a valid file");
        assert_eq!(assessments[0].pillars, owned(&[("smart-foundations", 225)]));
        assert!(assessments[0].domains.is_empty());
    }

    #[test]
    fn an_unknown_ods_code_is_reported_by_line() {
        let bad = GOOD.replace("RY6,Community", "RXX,Community");
        assert_eq!(
            messages(&bad),
            ["results.csv, line 3: ODS code RXX is not a trust in the current organisation structure"]
        );
    }

    #[test]
    fn lines_are_counted_right_in_a_file_saved_with_crlf_line_endings() {
        let bad = GOOD
            .replace("RY6,Community", "RXX,Community")
            .replace('\n', "\r\n");
        assert_eq!(
            messages(&bad),
            ["results.csv, line 3: ODS code RXX is not a trust in the current organisation structure"]
        );
    }

    #[test]
    fn an_icb_survey_must_name_an_icb() {
        let bad = GOOD.replace("QWO,ICB", "RR8,ICB");
        assert_eq!(
            messages(&bad),
            ["results.csv, line 5: ODS code RR8 is not an ICB in the current organisation structure"]
        );
    }

    #[test]
    fn an_unknown_care_setting_is_reported() {
        let bad = GOOD.replace("RY6,Community", "RY6,Dental");
        assert_eq!(
            messages(&bad),
            ["results.csv, line 3: care setting \"Dental\" is not one of Acute, Community, Mental Health, Ambulance, ICB"]
        );
    }

    #[test]
    fn the_same_trust_and_care_setting_twice_is_reported() {
        let bad = format!("{GOOD}RR8,acute,2,2,,\n");
        assert_eq!(
            messages(&bad),
            ["results.csv, line 6: RR8 Acute appears more than once; it is first on line 2"]
        );
    }

    #[test]
    fn a_score_out_of_range_is_reported() {
        let bad = GOOD.replace("RR8,Acute,3,2.67", "RR8,Acute,5.5,0.99");
        assert_eq!(
            messages(&bad),
            [
                "results.csv, line 2: the well-led score is 5.5; scores go from 1 to 5",
                "results.csv, line 2: the smart-foundations score is 0.99; scores go from 1 to 5",
            ]
        );
    }

    #[test]
    fn a_score_that_is_not_a_number_is_reported() {
        for cell in ["three", "2.675", "-1", "2.", ".5", "1e0"] {
            let bad = GOOD.replace("RR8,Acute,3,", &format!("RR8,Acute,{cell},"));
            assert_eq!(
                messages(&bad),
                [format!("results.csv, line 2: the well-led score \"{cell}\" is not a number from 1 to 5 with at most 2 decimal places")],
            );
        }
    }

    #[test]
    fn a_domain_score_must_be_a_whole_number() {
        let bad = GOOD.replace("RY6,Community,,1.5,,2", "RY6,Community,,1.5,,2.5");
        assert_eq!(
            messages(&bad),
            ["results.csv, line 3: the infrastructure score is 2.5; a domain score is a whole number from 1 to 5"]
        );
        let whole = GOOD.replace("RY6,Community,,1.5,,2", "RY6,Community,,1.5,,2.0");
        assert_eq!(
            parse(&whole).unwrap()[1].domains,
            owned(&[("infrastructure", 200)])
        );
    }

    #[test]
    fn an_empty_pillar_score_that_applies_is_reported() {
        let bad = GOOD.replace("RY6,Community,,1.5", "RY6,Community,,");
        assert_eq!(
            messages(&bad),
            ["results.csv, line 3: the smart-foundations score is empty; every pillar that applies to Community needs one"]
        );
    }

    #[test]
    fn a_score_for_a_pillar_or_domain_that_does_not_apply_is_reported() {
        let bad = GOOD.replace("QWO,ICB,2.5,,,", "QWO,ICB,2.5,3,,4");
        assert_eq!(
            messages(&bad),
            [
                "results.csv, line 5: pillar smart-foundations does not apply to ICB; leave its score empty",
                "results.csv, line 5: domain infrastructure does not apply to ICB; leave its score empty",
            ]
        );
    }

    #[test]
    fn a_column_that_is_neither_a_pillar_nor_a_domain_is_reported() {
        let bad = GOOD.replacen("well-led", "wel-led", 1);
        assert_eq!(
            messages(&bad),
            [
                "results.csv, line 1: column wel-led is neither a pillar nor a domain of framework 2026.1; use the framework's keys, like well-led",
                "results.csv, line 1: there is no column for pillar well-led, which applies to Acute and ICB; add one",
            ]
        );
    }

    #[test]
    fn a_repeated_or_missing_identifying_column_is_reported() {
        let bad = GOOD.replacen(
            "ods_code,care_setting,well-led",
            "ods_code,ods_code,well-led",
            1,
        );
        assert_eq!(
            messages(&bad),
            [
                "results.csv, line 1: column ods_code appears more than once; give each column once",
                "results.csv, line 1: there is no care_setting column; the header row starts ods_code,care_setting",
            ]
        );
    }

    #[test]
    fn a_missing_pillar_column_is_reported_once_with_the_settings_that_need_it() {
        let bad = "ods_code,care_setting,smart-foundations\nRR8,Acute,3\nRX9,Ambulance,2\n";
        assert_eq!(
            messages(bad),
            ["results.csv, line 1: there is no column for pillar well-led, which applies to Acute; add one"]
        );
        let not_needed = "ods_code,care_setting,smart-foundations\nRX9,Ambulance,2\n";
        assert_eq!(parse(not_needed).unwrap().len(), 1);
    }

    #[test]
    fn a_care_setting_the_framework_does_not_score_is_reported() {
        let mut well_led_only = framework();
        well_led_only.pillars.truncate(1);
        let problems = parse_results(
            "results.csv",
            "ods_code,care_setting,well-led\nRY6,Community,\n",
            &well_led_only,
            &organisations(),
        )
        .unwrap_err();
        assert_eq!(
            problems[0].to_string(),
            "results.csv, line 2: framework 2026.1 has no pillar that applies to Community, so there is nothing to score"
        );
    }

    #[test]
    fn a_row_with_missing_values_and_an_empty_file_are_reported() {
        assert_eq!(
            messages(&format!("{GOOD}RX9,Ambulance\n")),
            ["results.csv, line 6: has 2 values but the header has 6 columns"]
        );
        assert_eq!(
            messages("ods_code,care_setting,well-led,smart-foundations\n"),
            ["results.csv: there are no results; after the header row, give one row per assessment"]
        );
    }

    #[test]
    fn every_bad_row_is_reported_in_file_order() {
        let bad = GOOD
            .replace("RR8,Acute,3,", "RR8,Acute,6,")
            .replace("QWO,ICB", "QXX,ICB")
            .replacen("infrastructure", "infra", 1);
        let lines: Vec<u64> = parse(&bad).unwrap_err().iter().map(|p| p.line).collect();
        assert_eq!(lines, [1, 2, 5]);
    }

    #[test]
    fn a_cycle_needs_a_new_name_and_a_real_publication_date() {
        let taken: BTreeSet<String> = ["DMA 2025/26".to_string()].into();
        assert!(check_cycle("DMA 2024/25", "2025-06-30", &taken).is_empty());
        let problems: Vec<String> = check_cycle("DMA 2025/26", "2025-06-31", &taken)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            problems,
            [
                "--cycle-name: there is already a cycle called \"DMA 2025/26\"; choose another name",
                "--published-on: \"2025-06-31\" is not a real date written YYYY-MM-DD, like 2025-06-30",
            ]
        );
        assert_eq!(
            check_cycle(" ", "2025-06-30", &taken)[0].message,
            "the name is blank; give the cycle a name such as \"DMA 2025/26\""
        );
    }

    #[test]
    fn hundredths_are_read_exactly() {
        assert_eq!(hundredths("2.67"), Some(267));
        assert_eq!(hundredths("2.5"), Some(250));
        assert_eq!(hundredths("3"), Some(300));
        assert_eq!(hundredths("03.10"), Some(310));
        assert_eq!(hundredths("99999999999999999999"), None);
    }
}

//! The maturity framework: pillars → domains → levels 2 to 5 → criteria.
//!
//! The framework is data an admin loads from a TOML file, not code, so every mistake in that file
//! must come back as a problem the admin can find and fix: where it is, and what to do about it.
//! Level 1 has no criteria because it is the floor every organisation starts from.

use super::organisations::CareSetting;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The levels a domain must define, in order. Level 1 is the floor and has no criteria.
const GATED_LEVELS: [u8; 4] = [2, 3, 4, 5];

/// Joins the parts of a problem's location, e.g. `pillar "well-led" → domain "digital-strategy"`.
const PATH_SEPARATOR: &str = " → ";

/// One version of the framework, as loaded from a file. Call [`parse_framework`] (or
/// [`Framework::problems`] for one built another way) before trusting it.
///
/// Missing text and lists default to empty so that validation can report every gap in plain
/// English, instead of the parser stopping at the first missing field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// Identifies this edition; each cycle records the version it was run against.
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub pillars: Vec<Pillar>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pillar {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub name: String,
    /// How much the pillar counts towards the overall score. Pillars count equally unless a
    /// weight is given.
    #[serde(default = "equal_weight")]
    pub weight: f64,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub domains: Vec<Domain>,
}

fn equal_weight() -> f64 {
    1.0
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Care setting labels as written in the file ("Mental Health"); kept as text so a wrong label
    /// is reported by validation rather than rejected by the parser without saying which domain.
    #[serde(default)]
    pub care_settings: Vec<String>,
    #[serde(default)]
    pub levels: Vec<Level>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    /// 2 to 5; a domain reaches this level when these criteria, and those of every level below,
    /// are all met.
    pub level: u8,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub criteria: Vec<Criterion>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Unique across the framework, so an answer can be stored against the key alone.
    #[serde(default)]
    pub key: String,
    /// What the organisation must have done.
    #[serde(default)]
    pub text: String,
    /// What would show that it has been done.
    #[serde(default)]
    pub evidence: String,
}

/// Something wrong in a framework file: where it is, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{path}: {message}")]
pub struct FrameworkProblem {
    /// Where the problem is, e.g. `pillar "well-led" → domain "digital-strategy" → level 3`, or
    /// `line 12, column 5` when the file could not be read at all.
    pub path: String,
    /// What is wrong, in plain English, and how to put it right.
    pub message: String,
}

impl FrameworkProblem {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        FrameworkProblem {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Reads a framework file and checks it, returning every problem found rather than the first.
/// A file that is not valid TOML, or has the wrong shape, gives one problem with its line and
/// column, since nothing after that point can be trusted.
pub fn parse_framework(text: &str) -> Result<Framework, Vec<FrameworkProblem>> {
    let framework: Framework =
        toml::from_str(text).map_err(|error| vec![unreadable_file_problem(text, &error)])?;
    let problems = framework.problems();
    if problems.is_empty() {
        Ok(framework)
    } else {
        Err(problems)
    }
}

fn unreadable_file_problem(text: &str, error: &toml::de::Error) -> FrameworkProblem {
    let path = match error.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            format!("line {line}, column {column}")
        }
        None => "the file".to_string(),
    };
    FrameworkProblem::new(
        path,
        format!("the file could not be read: {}", error.message().trim_end()),
    )
}

impl Framework {
    /// Every problem in the framework, in file order; empty when it is fit to use.
    pub fn problems(&self) -> Vec<FrameworkProblem> {
        let mut checker = Checker::default();
        checker.check_framework(self);
        checker.problems
    }

    /// The domains an assessment in this care setting answers, with the pillar each belongs to,
    /// in framework order.
    pub fn domains_for(&self, setting: CareSetting) -> impl Iterator<Item = (&Pillar, &Domain)> {
        self.pillars.iter().flat_map(move |pillar| {
            pillar
                .domains
                .iter()
                .filter(move |domain| domain.applies_to(setting))
                .map(move |domain| (pillar, domain))
        })
    }

    /// How many criteria the whole framework has, across every care setting.
    pub fn criterion_count(&self) -> usize {
        self.pillars
            .iter()
            .flat_map(|pillar| &pillar.domains)
            .map(|domain| domain.criteria().count())
            .sum()
    }
}

impl Domain {
    /// Whether organisations in this care setting are assessed on this domain.
    pub fn applies_to(&self, setting: CareSetting) -> bool {
        self.care_settings
            .iter()
            .any(|label| CareSetting::from_label(label) == Some(setting))
    }

    /// Every criterion of every level, lowest level first.
    pub fn criteria(&self) -> impl Iterator<Item = &Criterion> {
        self.levels.iter().flat_map(|level| &level.criteria)
    }
}

/// Walks a framework collecting problems. It remembers where each key was first used, so a
/// repeated key can say where the original is.
#[derive(Default)]
struct Checker<'a> {
    problems: Vec<FrameworkProblem>,
    pillar_keys: HashSet<&'a str>,
    domain_keys: HashMap<&'a str, String>,
    criterion_keys: HashMap<&'a str, String>,
}

impl<'a> Checker<'a> {
    fn report(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(FrameworkProblem::new(path, message));
    }

    fn check_framework(&mut self, framework: &'a Framework) {
        let path = "the framework";
        if is_blank(&framework.version) {
            self.report(
                path,
                "the version is blank; give it a version such as \"2026.1\"",
            );
        }
        if is_blank(&framework.title) {
            self.report(
                path,
                "the title is blank; give it the title people will see, such as \"Digital maturity framework 2026/27\"",
            );
        }
        if framework.pillars.is_empty() {
            self.report(
                path,
                "there are no pillars; add at least one [[pillars]] section",
            );
        }
        for (index, pillar) in framework.pillars.iter().enumerate() {
            self.check_pillar(index, pillar);
        }
    }

    fn check_pillar(&mut self, index: usize, pillar: &'a Pillar) {
        let path = labelled("pillar", index, &pillar.key);
        self.check_key(&path, &pillar.key, "well-led");
        if !is_blank(&pillar.key) && !self.pillar_keys.insert(&pillar.key) {
            self.report(
                &path,
                format!(
                    "another pillar already uses the key \"{}\"; each pillar needs its own key",
                    pillar.key
                ),
            );
        }
        self.check_name(&path, &pillar.name);
        if !(pillar.weight.is_finite() && pillar.weight > 0.0) {
            self.report(
                &path,
                format!(
                    "the weight is {}; it must be a number greater than 0, such as 1.0",
                    pillar.weight
                ),
            );
        }
        if pillar.domains.is_empty() {
            self.report(
                &path,
                "there are no domains; add at least one [[pillars.domains]] section under this pillar",
            );
        }
        for (index, domain) in pillar.domains.iter().enumerate() {
            self.check_domain(&path, index, domain);
        }
    }

    fn check_domain(&mut self, pillar_path: &str, index: usize, domain: &'a Domain) {
        let path = format!(
            "{pillar_path}{PATH_SEPARATOR}{}",
            labelled("domain", index, &domain.key)
        );
        self.check_key(&path, &domain.key, "digital-strategy");
        if !is_blank(&domain.key) {
            if let Some(first) = self.domain_keys.get(domain.key.as_str()) {
                let message = format!(
                    "the key \"{}\" is already used by {first}; every domain needs its own key",
                    domain.key
                );
                self.report(&path, message);
            } else {
                self.domain_keys.insert(&domain.key, path.clone());
            }
        }
        self.check_name(&path, &domain.name);
        self.check_care_settings(&path, &domain.care_settings);
        self.check_level_numbers(&path, &domain.levels);
        for level in &domain.levels {
            if level.criteria.is_empty() {
                self.report(
                    &path,
                    format!(
                        "level {} has no criteria; every level from 2 to 5 needs at least one",
                        level.level
                    ),
                );
            }
            let level_path = format!("{path}{PATH_SEPARATOR}level {}", level.level);
            for (index, criterion) in level.criteria.iter().enumerate() {
                self.check_criterion(&level_path, index, criterion);
            }
        }
    }

    fn check_criterion(&mut self, level_path: &str, index: usize, criterion: &'a Criterion) {
        let path = format!(
            "{level_path}{PATH_SEPARATOR}{}",
            labelled("criterion", index, &criterion.key)
        );
        self.check_key(&path, &criterion.key, "digital-strategy-2a");
        if !is_blank(&criterion.key) {
            if let Some(first) = self.criterion_keys.get(criterion.key.as_str()) {
                let message = format!(
                    "the key \"{}\" is already used at {first}; every criterion needs its own key, because answers are saved against it",
                    criterion.key
                );
                self.report(&path, message);
            } else {
                self.criterion_keys
                    .insert(&criterion.key, level_path.to_string());
            }
        }
        if is_blank(&criterion.text) {
            self.report(
                &path,
                "the text is blank; say what the organisation must have done to meet this criterion",
            );
        }
        if is_blank(&criterion.evidence) {
            self.report(
                &path,
                "the evidence is blank; say what would show that this criterion is met",
            );
        }
    }

    /// Keys appear in web addresses and saved answers, so they are restricted to lower-case
    /// letters, digits and single hyphens.
    fn check_key(&mut self, path: &str, key: &str, example: &str) {
        if is_blank(key) {
            self.report(
                path,
                format!("the key is blank; give it a short key in lower case with hyphens, such as \"{example}\""),
            );
        } else if !is_kebab_case(key) {
            self.report(
                path,
                format!("the key \"{key}\" can only contain lower-case letters, digits and single hyphens between words, such as \"{example}\""),
            );
        }
    }

    fn check_name(&mut self, path: &str, name: &str) {
        if is_blank(name) {
            self.report(path, "the name is blank; give it the name people will see");
        }
    }

    fn check_care_settings(&mut self, path: &str, labels: &[String]) {
        let choices = care_setting_choices();
        if labels.is_empty() {
            self.report(
                path,
                format!("there are no care settings; list at least one of {choices}"),
            );
        }
        let mut seen = HashSet::new();
        for label in labels {
            match CareSetting::from_label(label) {
                None => self.report(
                    path,
                    format!("\"{label}\" is not a care setting; use {choices}"),
                ),
                Some(setting) if !seen.insert(setting) => self.report(
                    path,
                    format!(
                        "\"{}\" is listed more than once in the care settings; list each one once",
                        setting.label()
                    ),
                ),
                Some(_) => {}
            }
        }
    }

    fn check_level_numbers(&mut self, path: &str, levels: &[Level]) {
        let numbers: Vec<u8> = levels.iter().map(|level| level.level).collect();
        if numbers == GATED_LEVELS {
            return;
        }
        let found = if numbers.is_empty() {
            "there are no levels".to_string()
        } else {
            let listed: Vec<String> = numbers.iter().map(u8::to_string).collect();
            format!("the levels are {}", listed.join(", "))
        };
        self.report(
            path,
            format!("{found}; there must be levels 2, 3, 4 and 5, once each and in that order (level 1 is the floor and has no criteria)"),
        );
    }
}

fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// How a problem names an item: by its key, or by its position when the key is blank.
fn labelled(kind: &str, index: usize, key: &str) -> String {
    if is_blank(key) {
        format!("{kind} {}", index + 1)
    } else {
        format!("{kind} \"{key}\"")
    }
}

fn is_kebab_case(key: &str) -> bool {
    key.split('-').all(|word| {
        !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    })
}

/// `"Acute", "Community", "Mental Health", "Ambulance" or "ICB"`.
fn care_setting_choices() -> String {
    let quoted: Vec<String> = CareSetting::ALL
        .iter()
        .map(|setting| format!("\"{}\"", setting.label()))
        .collect();
    match quoted.split_last() {
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{DEFAULT_FRAMEWORK, SMALL_FRAMEWORK};

    fn problems_in(text: &str) -> Vec<FrameworkProblem> {
        parse_framework(text).expect_err("the file should have problems")
    }

    fn problem(path: &str, message: &str) -> FrameworkProblem {
        FrameworkProblem::new(path, message)
    }

    /// The small framework with its first `from` replaced by `to`.
    fn small_with(from: &str, to: &str) -> String {
        assert!(SMALL_FRAMEWORK.contains(from), "fixture has no {from:?}");
        SMALL_FRAMEWORK.replacen(from, to, 1)
    }

    const ALL_SETTINGS: &str =
        "\"Acute\", \"Community\", \"Mental Health\", \"Ambulance\" or \"ICB\"";

    #[test]
    fn the_default_framework_has_seven_pillars_and_no_problems() {
        let framework = parse_framework(DEFAULT_FRAMEWORK).expect("the default framework is valid");
        assert_eq!(framework.pillars.len(), 7);
        let keys: Vec<&str> = framework.pillars.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "well-led",
                "smart-foundations",
                "safe-practice",
                "support-workforce",
                "empower-people",
                "improve-care",
                "healthy-populations"
            ]
        );
        let domains: usize = framework.pillars.iter().map(|p| p.domains.len()).sum();
        assert_eq!(domains, 47);
        assert_eq!(framework.criterion_count(), 484);
        for setting in CareSetting::ALL {
            assert!(
                framework.domains_for(setting).next().is_some(),
                "no domains for {setting}"
            );
        }
    }

    #[test]
    fn a_valid_file_parses_with_integer_weights_and_defaults() {
        let framework = parse_framework(SMALL_FRAMEWORK).expect("valid");
        assert_eq!(framework.version, "2026.1");
        assert_eq!(framework.pillars[0].weight, 2.0);
        assert_eq!(framework.pillars[1].weight, 1.0);
        assert_eq!(framework.description, "");
        assert_eq!(framework.criterion_count(), 9);
    }

    #[test]
    fn a_missing_weight_counts_as_one() {
        let framework = parse_framework(&small_with("weight = 2.0\n", "")).expect("valid");
        assert_eq!(framework.pillars[0].weight, 1.0);
    }

    #[test]
    fn domains_for_lists_only_the_domains_that_apply_in_framework_order() {
        let framework = parse_framework(SMALL_FRAMEWORK).unwrap();
        let keys = |setting| -> Vec<(&str, &str)> {
            framework
                .domains_for(setting)
                .map(|(pillar, domain)| (pillar.key.as_str(), domain.key.as_str()))
                .collect()
        };
        assert_eq!(
            keys(CareSetting::Acute),
            [
                ("well-led", "digital-strategy"),
                ("smart-foundations", "infrastructure")
            ]
        );
        assert_eq!(keys(CareSetting::Icb), [("well-led", "digital-strategy")]);
        assert_eq!(
            keys(CareSetting::MentalHealth),
            [("smart-foundations", "infrastructure")]
        );
    }

    #[test]
    fn applies_to_reads_labels_as_the_care_setting_does() {
        let framework = parse_framework(SMALL_FRAMEWORK).unwrap();
        let infrastructure = &framework.pillars[1].domains[0];
        assert!(infrastructure.applies_to(CareSetting::MentalHealth));
        assert!(!infrastructure.applies_to(CareSetting::Icb));
    }

    #[test]
    fn criteria_run_from_the_lowest_level_up() {
        let framework = parse_framework(SMALL_FRAMEWORK).unwrap();
        let keys: Vec<&str> = framework.pillars[1].domains[0]
            .criteria()
            .map(|criterion| criterion.key.as_str())
            .collect();
        assert_eq!(
            keys,
            ["infra-2a", "infra-3a", "infra-3b", "infra-4a", "infra-5a"]
        );
    }

    #[test]
    fn a_problem_reads_as_its_path_then_its_message() {
        let shown = problem("pillar \"well-led\"", "the name is blank").to_string();
        assert_eq!(shown, "pillar \"well-led\": the name is blank");
    }

    #[test]
    fn a_toml_syntax_error_gives_its_line_and_column() {
        assert_eq!(
            problems_in(&small_with("weight = 2.0", "weight = = 2.0")),
            [problem(
                "line 8, column 10",
                "the file could not be read: extra `=`, expected nothing"
            )]
        );
    }

    #[test]
    fn a_misspelt_setting_gives_its_line_and_column() {
        let problems = problems_in(&small_with("weight = 2.0", "wieght = 2.0"));
        assert_eq!(
            problems,
            [problem(
                "line 8, column 1",
                "the file could not be read: unknown field `wieght`, expected one of `key`, `name`, `weight`, `description`, `domains`"
            )]
        );
    }

    #[test]
    fn a_blank_version_is_a_problem() {
        assert_eq!(
            problems_in(&small_with("version = \"2026.1\"", "version = \" \"")),
            [problem(
                "the framework",
                "the version is blank; give it a version such as \"2026.1\""
            )]
        );
    }

    #[test]
    fn a_missing_title_is_a_problem() {
        assert_eq!(
            problems_in(&small_with("title = \"Test framework\"", "")),
            [problem(
                "the framework",
                "the title is blank; give it the title people will see, such as \"Digital maturity framework 2026/27\""
            )]
        );
    }

    #[test]
    fn a_framework_without_pillars_is_a_problem() {
        assert_eq!(
            problems_in("version = \"1\"\ntitle = \"Empty\"\n"),
            [problem(
                "the framework",
                "there are no pillars; add at least one [[pillars]] section"
            )]
        );
    }

    #[test]
    fn a_blank_pillar_key_is_named_by_position() {
        assert_eq!(
            problems_in(&small_with("key = \"smart-foundations\"", "key = \"\"")),
            [problem(
                "pillar 2",
                "the key is blank; give it a short key in lower case with hyphens, such as \"well-led\""
            )]
        );
    }

    #[test]
    fn a_pillar_key_that_is_not_kebab_case_is_a_problem() {
        assert_eq!(
            problems_in(&small_with("key = \"well-led\"", "key = \"Well Led\"")),
            [problem(
                "pillar \"Well Led\"",
                "the key \"Well Led\" can only contain lower-case letters, digits and single hyphens between words, such as \"well-led\""
            )]
        );
    }

    #[test]
    fn kebab_case_allows_only_single_hyphens_between_lower_case_words() {
        for good in ["well-led", "a", "digital-strategy-2a", "2026"] {
            assert!(is_kebab_case(good), "{good}");
        }
        for bad in ["", "-a", "a-", "a--b", "A", "a_b", "a b", "é"] {
            assert!(!is_kebab_case(bad), "{bad}");
        }
    }

    #[test]
    fn a_repeated_pillar_key_is_a_problem() {
        assert_eq!(
            problems_in(&small_with(
                "key = \"smart-foundations\"",
                "key = \"well-led\""
            )),
            [problem(
                "pillar \"well-led\"",
                "another pillar already uses the key \"well-led\"; each pillar needs its own key"
            )]
        );
    }

    #[test]
    fn a_blank_pillar_name_is_a_problem() {
        assert_eq!(
            problems_in(&small_with("name = \"Well Led\"", "name = \"\"")),
            [problem(
                "pillar \"well-led\"",
                "the name is blank; give it the name people will see"
            )]
        );
    }

    #[test]
    fn a_weight_of_zero_is_a_problem() {
        assert_eq!(
            problems_in(&small_with("weight = 2.0", "weight = 0")),
            [problem(
                "pillar \"well-led\"",
                "the weight is 0; it must be a number greater than 0, such as 1.0"
            )]
        );
    }

    #[test]
    fn a_weight_that_is_not_a_number_is_a_problem() {
        assert_eq!(
            problems_in(&small_with("weight = 2.0", "weight = nan")),
            [problem(
                "pillar \"well-led\"",
                "the weight is NaN; it must be a number greater than 0, such as 1.0"
            )]
        );
    }

    #[test]
    fn a_pillar_without_domains_is_a_problem() {
        let text = "version = \"1\"\ntitle = \"T\"\n[[pillars]]\nkey = \"well-led\"\nname = \"Well Led\"\n";
        assert_eq!(
            problems_in(text),
            [problem(
                "pillar \"well-led\"",
                "there are no domains; add at least one [[pillars.domains]] section under this pillar"
            )]
        );
    }

    #[test]
    fn a_blank_domain_key_is_named_by_position() {
        assert_eq!(
            problems_in(&small_with("key = \"infrastructure\"", "key = \" \"")),
            [problem(
                "pillar \"smart-foundations\" → domain 1",
                "the key is blank; give it a short key in lower case with hyphens, such as \"digital-strategy\""
            )]
        );
    }

    #[test]
    fn a_domain_key_used_in_another_pillar_is_a_problem() {
        assert_eq!(
            problems_in(&small_with("key = \"infrastructure\"", "key = \"digital-strategy\"")),
            [problem(
                "pillar \"smart-foundations\" → domain \"digital-strategy\"",
                "the key \"digital-strategy\" is already used by pillar \"well-led\" → domain \"digital-strategy\"; every domain needs its own key"
            )]
        );
    }

    #[test]
    fn a_blank_domain_name_is_a_problem() {
        assert_eq!(
            problems_in(&small_with("name = \"Infrastructure\"", "name = \"\"")),
            [problem(
                "pillar \"smart-foundations\" → domain \"infrastructure\"",
                "the name is blank; give it the name people will see"
            )]
        );
    }

    #[test]
    fn a_domain_without_care_settings_is_a_problem() {
        assert_eq!(
            problems_in(&small_with(
                "care_settings = [\"Acute\", \"ICB\"]",
                "care_settings = []"
            )),
            [problem(
                "pillar \"well-led\" → domain \"digital-strategy\"",
                &format!("there are no care settings; list at least one of {ALL_SETTINGS}")
            )]
        );
    }

    #[test]
    fn an_unknown_care_setting_is_a_problem() {
        assert_eq!(
            problems_in(&small_with(
                "[\"Acute\", \"ICB\"]",
                "[\"Acute\", \"Acute Care\"]"
            )),
            [problem(
                "pillar \"well-led\" → domain \"digital-strategy\"",
                &format!("\"Acute Care\" is not a care setting; use {ALL_SETTINGS}")
            )]
        );
    }

    #[test]
    fn a_care_setting_listed_twice_is_a_problem() {
        assert_eq!(
            problems_in(&small_with(
                "[\"Acute\", \"ICB\"]",
                "[\"Acute\", \"ICB\", \"acute\"]"
            )),
            [problem(
                "pillar \"well-led\" → domain \"digital-strategy\"",
                "\"Acute\" is listed more than once in the care settings; list each one once"
            )]
        );
    }

    #[test]
    fn levels_out_of_order_are_a_problem() {
        assert_eq!(
            problems_in(&small_with("level = 4", "level = 5")),
            [problem(
                "pillar \"well-led\" → domain \"digital-strategy\"",
                "the levels are 2, 3, 5, 5; there must be levels 2, 3, 4 and 5, once each and in that order (level 1 is the floor and has no criteria)"
            )]
        );
    }

    #[test]
    fn a_domain_without_levels_is_a_problem() {
        let text = SMALL_FRAMEWORK
            .split("[[pillars.domains.levels]]")
            .next()
            .unwrap();
        let problems = problems_in(text);
        assert_eq!(
            problems,
            [problem(
                "pillar \"well-led\" → domain \"digital-strategy\"",
                "there are no levels; there must be levels 2, 3, 4 and 5, once each and in that order (level 1 is the floor and has no criteria)"
            )]
        );
    }

    #[test]
    fn a_level_without_criteria_is_a_problem() {
        let level_4 = "criteria = [{ key = \"strategy-4a\", text = \"Progress is reported.\", evidence = \"Papers.\" }]";
        assert_eq!(
            problems_in(&small_with(level_4, "criteria = []")),
            [problem(
                "pillar \"well-led\" → domain \"digital-strategy\"",
                "level 4 has no criteria; every level from 2 to 5 needs at least one"
            )]
        );
    }

    #[test]
    fn a_blank_criterion_key_is_named_by_position() {
        assert_eq!(
            problems_in(&small_with("key = \"infra-3b\"", "key = \"\"")),
            [problem(
                "pillar \"smart-foundations\" → domain \"infrastructure\" → level 3 → criterion 2",
                "the key is blank; give it a short key in lower case with hyphens, such as \"digital-strategy-2a\""
            )]
        );
    }

    #[test]
    fn a_criterion_key_that_is_not_kebab_case_is_a_problem() {
        assert_eq!(
            problems_in(&small_with("key = \"infra-3b\"", "key = \"infra_3b\"")),
            [problem(
                "pillar \"smart-foundations\" → domain \"infrastructure\" → level 3 → criterion \"infra_3b\"",
                "the key \"infra_3b\" can only contain lower-case letters, digits and single hyphens between words, such as \"digital-strategy-2a\""
            )]
        );
    }

    #[test]
    fn a_criterion_key_used_in_another_domain_is_a_problem() {
        assert_eq!(
            problems_in(&small_with("key = \"infra-4a\"", "key = \"strategy-2a\"")),
            [problem(
                "pillar \"smart-foundations\" → domain \"infrastructure\" → level 4 → criterion \"strategy-2a\"",
                "the key \"strategy-2a\" is already used at pillar \"well-led\" → domain \"digital-strategy\" → level 2; every criterion needs its own key, because answers are saved against it"
            )]
        );
    }

    #[test]
    fn a_blank_criterion_text_is_a_problem() {
        assert_eq!(
            problems_in(&small_with("text = \"Outages are rare.\"", "text = \"\"")),
            [problem(
                "pillar \"smart-foundations\" → domain \"infrastructure\" → level 3 → criterion \"infra-3b\"",
                "the text is blank; say what the organisation must have done to meet this criterion"
            )]
        );
    }

    #[test]
    fn a_missing_criterion_evidence_is_a_problem() {
        assert_eq!(
            problems_in(&small_with(", evidence = \"Incident log.\"", "")),
            [problem(
                "pillar \"smart-foundations\" → domain \"infrastructure\" → level 3 → criterion \"infra-3b\"",
                "the evidence is blank; say what would show that this criterion is met"
            )]
        );
    }

    #[test]
    fn every_problem_is_reported_in_file_order() {
        let text = small_with("title = \"Test framework\"", "")
            .replacen("weight = 2.0", "weight = -1", 1)
            .replacen("\"Mental Health\"", "\"Mental health services\"", 1)
            .replacen("text = \"Wi-fi works.\"", "text = \"\"", 1);
        let paths: Vec<String> = problems_in(&text)
            .into_iter()
            .map(|problem| problem.to_string())
            .collect();
        assert_eq!(
            paths,
            [
                "the framework: the title is blank; give it the title people will see, such as \"Digital maturity framework 2026/27\"".to_string(),
                "pillar \"well-led\": the weight is -1; it must be a number greater than 0, such as 1.0".to_string(),
                format!("pillar \"smart-foundations\" → domain \"infrastructure\": \"Mental health services\" is not a care setting; use {ALL_SETTINGS}"),
                "pillar \"smart-foundations\" → domain \"infrastructure\" → level 2 → criterion \"infra-2a\": the text is blank; say what the organisation must have done to meet this criterion".to_string(),
            ]
        );
    }
}

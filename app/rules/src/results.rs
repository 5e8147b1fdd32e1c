//! Published results: each assessment's final scores, their means over an ICS, a region and
//! England, league tables, distributions and the change from the previous published cycle.
//!
//! Every score is kept at full precision and derived from its inputs (domain levels, or the
//! pillar scores an earlier cycle published), never from a rounded result; numbers are rounded to
//! two decimals only when shown ([`two_decimals`]).

use super::framework::Framework;
use super::organisations::CareSetting;
use super::scoring::{overall_score, pillar_score};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One assessment's published scores, with where its organisation sits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssessmentResult {
    pub assessment_id: String,
    /// The trust's ODS code.
    pub organisation: String,
    pub organisation_name: String,
    /// The ICB whose ICS the trust is assessed in.
    pub ics: String,
    pub ics_name: String,
    pub region: String,
    pub region_name: String,
    pub care_setting: CareSetting,
    pub scores: Scores,
    /// The trust's own scores, where the cycle publishes them.
    pub self_scores: Option<Scores>,
}

impl AssessmentResult {
    /// A provider's assessment (a trust in a care setting), as opposed to an ICB's own survey:
    /// only providers count towards an ICS's, a region's and England's means.
    pub fn is_provider(&self) -> bool {
        self.care_setting != CareSetting::Icb
    }
}

/// Pillar scores and the overall score that follows from them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// `(domain key, level)` for the domains whose level is known, in framework order.
    pub domains: Vec<(String, u8)>,
    /// `(pillar key, score)` for each pillar that applies, in framework order.
    pub pillars: Vec<(String, f64)>,
    /// The weighted mean of the pillars.
    pub overall: f64,
}

impl Scores {
    pub fn pillar(&self, key: &str) -> Option<f64> {
        self.pillars
            .iter()
            .find(|(pillar, _)| pillar == key)
            .map(|(_, score)| *score)
    }

    /// The score `order` sorts by: the overall score, or one pillar's.
    pub fn by(&self, order: &LeagueOrder) -> Option<f64> {
        match order {
            LeagueOrder::Overall | LeagueOrder::Name => Some(self.overall),
            LeagueOrder::Pillar(key) => self.pillar(key),
        }
    }
}

/// Scores from domain levels: each pillar the mean of its domains that apply to `setting`, the
/// overall score their weighted mean. `None` when no domain of the setting has a level.
pub fn scores_from_levels(
    framework: &Framework,
    setting: CareSetting,
    levels: &BTreeMap<String, u8>,
) -> Option<Scores> {
    let mut domains = Vec::new();
    let mut pillars = Vec::new();
    for pillar in &framework.pillars {
        let levels: Vec<u8> = pillar
            .domains
            .iter()
            .filter(|domain| domain.applies_to(setting))
            .filter_map(|domain| {
                let level = *levels.get(&domain.key)?;
                domains.push((domain.key.clone(), level));
                Some(level)
            })
            .collect();
        if let Some(score) = pillar_score(&levels) {
            pillars.push((pillar.key.clone(), score));
        }
    }
    let mut scores = scores_from_pillars(framework, pillars)?;
    scores.domains = domains;
    Some(scores)
}

/// Scores from pillar scores as an earlier cycle published them: the overall score is worked out
/// again from the pillars with their weights. Pillars the framework does not know are dropped.
pub fn scores_from_pillars(framework: &Framework, pillars: Vec<(String, f64)>) -> Option<Scores> {
    let mut ordered = Vec::new();
    let mut weighted = Vec::new();
    for pillar in &framework.pillars {
        if let Some((_, score)) = pillars.iter().find(|(key, _)| *key == pillar.key) {
            ordered.push((pillar.key.clone(), *score));
            weighted.push((pillar.weight, *score));
        }
    }
    Some(Scores {
        domains: Vec::new(),
        pillars: ordered,
        overall: overall_score(&weighted)?,
    })
}

/// The mean scores of a group of assessments (an ICS, a region, England): each assessment
/// counts once, whatever its care setting, and a pillar's mean is over the assessments it
/// applies to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupScore {
    pub assessments: usize,
    /// How many organisations those assessments are of.
    pub organisations: usize,
    pub overall: f64,
    /// `(pillar key, mean, how many assessments it is the mean of)`, in framework order.
    pub pillars: Vec<(String, f64, usize)>,
}

impl GroupScore {
    pub fn pillar(&self, key: &str) -> Option<f64> {
        self.pillars
            .iter()
            .find(|(pillar, _, _)| pillar == key)
            .map(|(_, score, _)| *score)
    }

    pub fn by(&self, order: &LeagueOrder) -> Option<f64> {
        match order {
            LeagueOrder::Overall | LeagueOrder::Name => Some(self.overall),
            LeagueOrder::Pillar(key) => self.pillar(key),
        }
    }
}

/// The mean of `results`' scores (their own, or with `self_scores`, the trusts' self scores);
/// `None` for no assessments.
pub fn summarise<'a>(
    framework: &Framework,
    results: impl IntoIterator<Item = &'a AssessmentResult>,
    pick: impl Fn(&AssessmentResult) -> Option<&Scores>,
) -> Option<GroupScore> {
    let mut overall = Vec::new();
    let mut organisations: Vec<&str> = Vec::new();
    let mut pillars: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for result in results {
        let Some(scores) = pick(result) else { continue };
        overall.push(scores.overall);
        organisations.push(&result.organisation);
        for (key, score) in &scores.pillars {
            pillars.entry(key).or_default().push(*score);
        }
    }
    organisations.sort_unstable();
    organisations.dedup();
    Some(GroupScore {
        assessments: overall.len(),
        organisations: organisations.len(),
        overall: mean(&overall)?,
        pillars: framework
            .pillars
            .iter()
            .filter_map(|pillar| {
                let scores = pillars.get(pillar.key.as_str())?;
                Some((pillar.key.clone(), mean(scores)?, scores.len()))
            })
            .collect(),
    })
}

/// The published scores of an assessment.
pub fn published(result: &AssessmentResult) -> Option<&Scores> {
    Some(&result.scores)
}

/// The trust's own scores of an assessment, where published.
pub fn self_assessed(result: &AssessmentResult) -> Option<&Scores> {
    result.self_scores.as_ref()
}

/// The group's mean scores for each key `group` gives an assessment (its ICS, say).
pub fn summarise_by<K: Ord>(
    framework: &Framework,
    results: &[AssessmentResult],
    group: impl Fn(&AssessmentResult) -> K,
) -> BTreeMap<K, GroupScore> {
    let mut groups: BTreeMap<K, Vec<&AssessmentResult>> = BTreeMap::new();
    for result in results {
        groups.entry(group(result)).or_default().push(result);
    }
    groups
        .into_iter()
        .filter_map(|(key, members)| Some((key, summarise(framework, members, published)?)))
        .collect()
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// What a league table is in order of: its highest overall or pillar score first, or by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeagueOrder {
    Overall,
    Pillar(String),
    Name,
}

impl LeagueOrder {
    /// The order a `sort` parameter names: `overall`, `name`, or a pillar key of `framework`;
    /// anything else is the overall score.
    pub fn from_param(param: &str, framework: &Framework) -> LeagueOrder {
        match param {
            "name" => LeagueOrder::Name,
            key if framework.pillars.iter().any(|pillar| pillar.key == key) => {
                LeagueOrder::Pillar(key.to_string())
            }
            _ => LeagueOrder::Overall,
        }
    }

    pub fn param(&self) -> &str {
        match self {
            LeagueOrder::Overall => "overall",
            LeagueOrder::Name => "name",
            LeagueOrder::Pillar(key) => key,
        }
    }
}

/// A place in a league table: rank 1 is the highest score, and equal scores share a rank (1, 2,
/// 2, 4). An entry without the score sorted by has no rank and comes last.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ranked<T> {
    pub rank: Option<usize>,
    /// Another entry has the same rank.
    pub tied: bool,
    pub entry: T,
}

/// `entries` in league order. Ranks always follow the score, even when the table is shown by name,
/// so a rank means the same in every order; ties in the order are broken by name.
pub fn league<T>(
    entries: Vec<T>,
    order: &LeagueOrder,
    score: impl Fn(&T, &LeagueOrder) -> Option<f64>,
    name: impl Fn(&T) -> &str,
) -> Vec<Ranked<T>> {
    let ranking_by = match order {
        LeagueOrder::Name => &LeagueOrder::Overall,
        other => other,
    };
    let scores: Vec<Option<f64>> = entries.iter().map(|e| score(e, ranking_by)).collect();
    let rank_of =
        |own: Option<f64>| own.map(|own| 1 + scores.iter().flatten().filter(|&&s| s > own).count());
    let tied_with = |own: Option<f64>| {
        own.is_some_and(|own| scores.iter().flatten().filter(|&&s| s == own).count() > 1)
    };
    let mut ranked: Vec<Ranked<T>> = entries
        .into_iter()
        .zip(scores.iter().copied())
        .map(|(entry, own)| Ranked {
            rank: rank_of(own),
            tied: tied_with(own),
            entry,
        })
        .collect();
    ranked.sort_by(|a, b| {
        let by_score = match order {
            LeagueOrder::Name => std::cmp::Ordering::Equal,
            _ => a
                .rank
                .unwrap_or(usize::MAX)
                .cmp(&b.rank.unwrap_or(usize::MAX)),
        };
        by_score.then_with(|| name(&a.entry).cmp(name(&b.entry)))
    });
    ranked
}

/// A rank as shown: "1", or "=2" when shared; "–" for none.
pub fn rank_text(rank: Option<usize>, tied: bool) -> String {
    match rank {
        Some(rank) if tied => format!("={rank}"),
        Some(rank) => rank.to_string(),
        None => "–".into(),
    }
}

/// The score bands a distribution counts in: 1 to under 2, …, 4 to 5 (5 included).
pub const BANDS: [(f64, f64); 4] = [(1.0, 2.0), (2.0, 3.0), (3.0, 4.0), (4.0, 5.0)];

/// How many of `scores` fall in each of [`BANDS`]; a score outside 1–5 is not counted.
pub fn distribution(scores: impl IntoIterator<Item = f64>) -> [usize; 4] {
    let mut counts = [0; 4];
    for score in scores {
        let band = BANDS.iter().position(|&(low, high)| {
            score >= low && (score < high || (high == 5.0 && score <= high))
        });
        if let Some(band) = band {
            counts[band] += 1;
        }
    }
    counts
}

/// A score as shown: two decimal places, halves rounded up.
pub fn two_decimals(score: f64) -> String {
    format!("{:.2}", (score * 100.0).round() / 100.0)
}

/// A change from the previous cycle as shown and read aloud: "up 0.25", "down 0.10", "no change"
/// (a change that rounds to nothing is no change).
pub fn change_text(current: f64, previous: f64) -> String {
    let change = (current - previous) * 100.0;
    match change.round() as i64 {
        0 => "no change".into(),
        hundredths if hundredths > 0 => format!("up {}", two_decimals(hundredths as f64 / 100.0)),
        hundredths => format!("down {}", two_decimals(-hundredths as f64 / 100.0)),
    }
}

/// Bank holidays in England, from GOV.UK (gov.uk/bank-holidays), for the years this service
/// runs cycles in; a year not listed counts weekends only.
const ENGLAND_BANK_HOLIDAYS: &[&str] = &[
    "2025-01-01",
    "2025-04-18",
    "2025-04-21",
    "2025-05-05",
    "2025-05-26",
    "2025-08-25",
    "2025-12-25",
    "2025-12-26",
    "2026-01-01",
    "2026-04-03",
    "2026-04-06",
    "2026-05-04",
    "2026-05-25",
    "2026-08-31",
    "2026-12-25",
    "2026-12-28",
    "2027-01-01",
    "2027-03-26",
    "2027-03-29",
    "2027-05-03",
    "2027-05-31",
    "2027-08-30",
    "2027-12-27",
    "2027-12-28",
];

/// The date `days` working days after `date` (weekends and England's bank holidays do not
/// count): the last day a trust may query its provisional results. `None` for a date that is not
/// real.
pub fn add_working_days(date: &str, days: u32) -> Option<String> {
    let mut current = date.to_string();
    let mut left = days;
    while left > 0 {
        current = super::cycles::add_days(&current, 1)?;
        if is_working_day(&current) {
            left -= 1;
        }
    }
    super::cycles::is_valid_date(&current).then_some(current)
}

fn is_working_day(date: &str) -> bool {
    use jiff::civil::Weekday;
    let weekday = super::cycles::parse_date(date).map(|date| date.weekday());
    !matches!(weekday, Some(Weekday::Saturday | Weekday::Sunday))
        && !ENGLAND_BANK_HOLIDAYS.contains(&date)
}

/// The most working days a query window may have, and the fewest.
pub const QUERY_DAYS: std::ops::RangeInclusive<u32> = 1..=20;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::DEFAULT_FRAMEWORK;
    use crate::framework::parse_framework;
    use proptest::prelude::*;

    fn framework() -> Framework {
        parse_framework(DEFAULT_FRAMEWORK).unwrap()
    }

    fn result(
        framework: &Framework,
        organisation: &str,
        ics: &str,
        setting: CareSetting,
        pillars: &[f64],
    ) -> AssessmentResult {
        let pillars = framework
            .pillars
            .iter()
            .zip(pillars)
            .map(|(pillar, score)| (pillar.key.clone(), *score))
            .collect();
        AssessmentResult {
            assessment_id: format!("{organisation}-{}", setting.label()),
            organisation: organisation.into(),
            organisation_name: format!("{organisation} trust"),
            ics: ics.into(),
            ics_name: format!("{ics} ICS"),
            region: "Y56".into(),
            region_name: "London".into(),
            care_setting: setting,
            scores: scores_from_pillars(framework, pillars).unwrap(),
            self_scores: None,
        }
    }

    #[test]
    fn an_ics_is_the_mean_of_its_assessments_each_counting_once() {
        let framework = framework();
        let pillar_count = framework.pillars.len();
        let results = vec![
            result(
                &framework,
                "RR8",
                "QWO",
                CareSetting::Acute,
                &vec![3.0; pillar_count],
            ),
            result(
                &framework,
                "RR8",
                "QWO",
                CareSetting::Community,
                &vec![2.0; pillar_count],
            ),
            result(
                &framework,
                "RY6",
                "QWO",
                CareSetting::Community,
                &vec![4.0; pillar_count],
            ),
        ];
        let by_ics = summarise_by(&framework, &results, |r| r.ics.clone());
        let qwo = &by_ics["QWO"];
        assert_eq!((qwo.assessments, qwo.organisations), (3, 2));
        assert!((qwo.overall - 3.0).abs() < 1e-12);
    }

    #[test]
    fn a_mean_is_worked_out_from_full_precision_not_rounded_overalls() {
        // Overalls of 2.335 and 2.3349 round to 2.34 and 2.33; their mean of rounded values is
        // 2.335 (shown 2.34), the true mean 2.33495 (shown 2.33).
        let framework = framework();
        let one = framework.pillars.len();
        let results = vec![
            result(&framework, "A", "Q", CareSetting::Acute, &vec![2.335; one]),
            result(&framework, "B", "Q", CareSetting::Acute, &vec![2.3349; one]),
        ];
        let group = summarise(&framework, &results, published).unwrap();
        assert_eq!(two_decimals(group.overall), "2.33");
    }

    #[test]
    fn league_ranks_share_a_place_on_equal_scores_and_name_order_keeps_ranks() {
        let entries = vec![
            ("B", Some(3.0)),
            ("A", Some(4.0)),
            ("C", Some(3.0)),
            ("D", None),
        ];
        let score = |e: &(&str, Option<f64>), _: &LeagueOrder| e.1;
        fn name<'a>(entry: &'a (&'static str, Option<f64>)) -> &'a str {
            entry.0
        }
        let ranked = league(entries.clone(), &LeagueOrder::Overall, score, name);
        let shown: Vec<(&str, String)> = ranked
            .iter()
            .map(|r| (r.entry.0, rank_text(r.rank, r.tied)))
            .collect();
        assert_eq!(
            shown,
            [
                ("A", "1".into()),
                ("B", "=2".into()),
                ("C", "=2".into()),
                ("D", "–".into())
            ]
        );
        let by_name = league(entries, &LeagueOrder::Name, score, name);
        let shown: Vec<(&str, Option<usize>)> =
            by_name.iter().map(|r| (r.entry.0, r.rank)).collect();
        assert_eq!(
            shown,
            [("A", Some(1)), ("B", Some(2)), ("C", Some(2)), ("D", None)]
        );
    }

    #[test]
    fn distribution_counts_five_in_the_top_band_and_ignores_scores_outside_the_scale() {
        assert_eq!(
            distribution([1.0, 1.99, 2.0, 3.5, 4.0, 5.0, 0.5, 5.1]),
            [2, 1, 1, 2]
        );
    }

    #[test]
    fn a_change_that_rounds_to_nothing_is_no_change() {
        assert_eq!(change_text(2.5, 2.25), "up 0.25");
        assert_eq!(change_text(2.0, 2.1), "down 0.10");
        assert_eq!(change_text(2.001, 2.0), "no change");
    }

    #[test]
    fn working_days_skip_weekends_and_bank_holidays() {
        // Thursday 24 December 2026: Friday 25th and Monday 28th are bank holidays.
        assert_eq!(
            add_working_days("2026-12-24", 1).as_deref(),
            Some("2026-12-29")
        );
        // Friday 5 June 2026 plus 5 working days is Friday 12 June.
        assert_eq!(
            add_working_days("2026-06-05", 5).as_deref(),
            Some("2026-06-12")
        );
        assert_eq!(add_working_days("2026-02-30", 1), None);
    }

    #[test]
    fn the_overall_score_from_levels_is_the_weighted_mean_of_pillar_means() {
        let framework = framework();
        let levels: BTreeMap<String, u8> = framework
            .domains_for(CareSetting::Acute)
            .map(|(_, domain)| (domain.key.clone(), 3))
            .collect();
        let scores = scores_from_levels(&framework, CareSetting::Acute, &levels).unwrap();
        assert!((scores.overall - 3.0).abs() < 1e-12);
        assert_eq!(scores.domains.len(), levels.len());
        assert!(scores_from_levels(&framework, CareSetting::Acute, &BTreeMap::new()).is_none());
    }

    proptest! {
        #[test]
        fn a_group_mean_lies_between_its_lowest_and_highest_and_ignores_order(
            scores in proptest::collection::vec(100u32..=500, 1..40),
            rotate in 0usize..40,
        ) {
            let framework = framework();
            let one = framework.pillars.len();
            let mut results: Vec<AssessmentResult> = scores
                .iter()
                .enumerate()
                .map(|(i, s)| result(&framework, &format!("T{i}"), "Q", CareSetting::Acute, &vec![f64::from(*s) / 100.0; one]))
                .collect();
            let group = summarise(&framework, &results, published).unwrap();
            let low = results.iter().map(|r| r.scores.overall).fold(f64::INFINITY, f64::min);
            let high = results.iter().map(|r| r.scores.overall).fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(group.overall >= low - 1e-9 && group.overall <= high + 1e-9);
            prop_assert_eq!(group.assessments, results.len());
            let len = results.len();
            results.rotate_left(rotate % len);
            let again = summarise(&framework, &results, published).unwrap();
            prop_assert!((again.overall - group.overall).abs() < 1e-9);
        }

        #[test]
        fn england_is_the_mean_of_every_assessment_not_of_ics_means(
            groups in proptest::collection::vec((0usize..4, 100u32..=500), 1..40),
        ) {
            let framework = framework();
            let one = framework.pillars.len();
            let results: Vec<AssessmentResult> = groups
                .iter()
                .enumerate()
                .map(|(i, (ics, s))| result(&framework, &format!("T{i}"), &format!("I{ics}"), CareSetting::Acute, &vec![f64::from(*s) / 100.0; one]))
                .collect();
            let england = summarise(&framework, &results, published).unwrap();
            let by_ics = summarise_by(&framework, &results, |r| r.ics.clone());
            let weighted: f64 = by_ics.values().map(|g| g.overall * g.assessments as f64).sum();
            prop_assert!((england.overall - weighted / results.len() as f64).abs() < 1e-9);
            prop_assert_eq!(by_ics.values().map(|g| g.assessments).sum::<usize>(), results.len());
        }

        #[test]
        fn ranks_never_put_a_lower_score_above_a_higher_one(
            scores in proptest::collection::vec(proptest::option::of(100u32..=500), 0..30),
        ) {
            let entries: Vec<(String, Option<f64>)> = scores
                .iter()
                .enumerate()
                .map(|(i, s)| (format!("E{i:02}"), s.map(|s| f64::from(s) / 100.0)))
                .collect();
            let ranked = league(entries, &LeagueOrder::Overall, |e, _| e.1, |e| e.0.as_str());
            for pair in ranked.windows(2) {
                match (pair[0].entry.1, pair[1].entry.1) {
                    (Some(a), Some(b)) => {
                        prop_assert!(a >= b);
                        prop_assert_eq!(pair[0].rank <= pair[1].rank, true);
                    }
                    (None, Some(_)) => prop_assert!(false, "an unranked entry came first"),
                    _ => {}
                }
            }
        }

        #[test]
        fn working_days_land_on_a_working_day_after_the_start(
            day in 1u32..=28, month in 1u32..=12, days in 1u32..=20,
        ) {
            let start = format!("2026-{month:02}-{day:02}");
            let end = add_working_days(&start, days).unwrap();
            prop_assert!(end > start);
            prop_assert!(is_working_day(&end));
        }
    }
}

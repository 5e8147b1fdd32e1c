//! Published results, for everyone without signing in: the cycles published, England's, each
//! region's and each ICS's mean scores, league tables of ICSs and trusts filtered and ordered by
//! GET parameters, distributions, and each ICS's and trust's page, with the change from the
//! previous published cycle. A version, once published, never changes, so each is loaded once and
//! kept in memory.

use crate::error::AppError;
use crate::rules::results::{AssessmentResult, GroupScore, Ranked, Scores};
#[cfg(feature = "ssr")]
use crate::store::CycleId;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::db,
    crate::rules::organisations::CareSetting,
    crate::rules::{
        cycles::readable_moment,
        framework::Framework,
        results::{
            distribution, league, published, scores_from_levels, scores_from_pillars,
            self_assessed, summarise, summarise_by, LeagueOrder,
        },
    },
    crate::store::{self, results as results_store},
    std::collections::{BTreeMap, HashMap},
    std::sync::{Arc, Mutex, OnceLock},
};

/// A published cycle on the results index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedCycleLine {
    pub id: String,
    pub name: String,
    pub latest_version: i64,
    pub first_published: String,
}

/// Which version a page shows, and the others there are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionShown {
    pub cycle_id: String,
    pub cycle_name: String,
    pub version: i64,
    pub latest_version: i64,
    pub note: String,
    pub published_at: String,
    /// `(version, note, published at)`, the latest first.
    pub versions: Vec<(i64, String, String)>,
    pub with_self_scores: bool,
    /// `(pillar key, name)` in framework order.
    pub pillars: Vec<(String, String)>,
    /// The cycle compared with, where one was published before this one.
    pub previous_cycle: Option<String>,
}

/// A filtered, ordered view's parameters as the page read them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filters {
    pub sort: String,
    pub care_setting: String,
    pub region: String,
    /// `(code, name)` of every region with results.
    pub regions: Vec<(String, String)>,
    /// The care settings with results.
    pub care_settings: Vec<String>,
}

/// An ICS in the league table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IcsLine {
    pub code: String,
    pub name: String,
    pub region: String,
    pub score: GroupScore,
    pub previous: Option<f64>,
    /// The overall score of the ICB's own survey, where the cycle included ICBs.
    pub own_survey: Option<f64>,
}

/// A region's mean scores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionLine {
    pub code: String,
    pub name: String,
    pub score: GroupScore,
}

/// The national results page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NationalView {
    pub shown: VersionShown,
    pub filters: Filters,
    /// England's mean over the assessments the filters keep.
    pub england: Option<GroupScore>,
    pub england_self: Option<GroupScore>,
    pub regions: Vec<RegionLine>,
    pub ics_league: Vec<Ranked<IcsLine>>,
    /// The mean of the ICBs' own surveys in the region filtered, where the cycle included ICBs.
    pub icb_surveys: Option<GroupScore>,
    /// `(pillar name, counts per score band)`, then the overall score's.
    pub distributions: Vec<(String, [usize; 4])>,
}

/// A trust's assessment in the league table or on its page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrustLine {
    pub result: AssessmentResult,
    pub previous: Option<f64>,
}

/// The league table of trusts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrustLeagueView {
    pub shown: VersionShown,
    pub filters: Filters,
    pub lines: Vec<Ranked<TrustLine>>,
}

/// An ICS's page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IcsView {
    pub shown: VersionShown,
    pub code: String,
    pub name: String,
    pub region: String,
    pub score: GroupScore,
    pub self_score: Option<GroupScore>,
    pub england: GroupScore,
    pub previous: Option<f64>,
    pub providers: Vec<TrustLine>,
    /// The ICB's own survey, where the cycle included ICBs.
    pub own_survey: Option<TrustLine>,
}

/// A trust's page: one line per care setting assessed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrustView {
    pub shown: VersionShown,
    pub code: String,
    pub name: String,
    pub ics_code: String,
    pub ics_name: String,
    pub assessments: Vec<TrustLine>,
    /// `(domain key, domain name)` in framework order, for the domain table.
    pub domains: Vec<(String, String)>,
    pub england: GroupScore,
}

/// One published version, loaded and scored.
#[cfg(feature = "ssr")]
pub(crate) struct LoadedResults {
    pub shown: VersionShown,
    pub framework: Arc<Framework>,
    pub results: Vec<AssessmentResult>,
    /// The previous published cycle's latest results, by (trust, care setting).
    pub previous: BTreeMap<(String, CareSetting), AssessmentResult>,
}

#[cfg(feature = "ssr")]
impl LoadedResults {
    fn previous_of(&self, result: &AssessmentResult) -> Option<f64> {
        self.previous
            .get(&(result.organisation.clone(), result.care_setting))
            .map(|previous| previous.scores.overall)
    }

    /// A line for a table: without domain levels, which only a trust's own page shows, so a
    /// national table does not carry 47 levels an assessment.
    fn line(&self, result: &AssessmentResult) -> TrustLine {
        let mut line = self.line_with_domains(result);
        line.result.scores.domains.clear();
        if let Some(own) = &mut line.result.self_scores {
            own.domains.clear();
        }
        line
    }

    fn line_with_domains(&self, result: &AssessmentResult) -> TrustLine {
        TrustLine {
            previous: self.previous_of(result),
            result: result.clone(),
        }
    }

    /// The providers' assessments of `care_setting` in `region` (empty: all).
    fn filtered(&self, care_setting: &str, region: &str) -> Vec<AssessmentResult> {
        self.results
            .iter()
            .filter(|r| r.is_provider())
            .filter(|r| care_setting.is_empty() || r.care_setting.label() == care_setting)
            .filter(|r| region.is_empty() || r.region == region)
            .cloned()
            .collect()
    }

    fn filters(&self, sort: &LeagueOrder, care_setting: &str, region: &str) -> Filters {
        let mut regions: Vec<(String, String)> = self
            .results
            .iter()
            .map(|r| (r.region.clone(), r.region_name.clone()))
            .collect();
        regions.sort_by(|a, b| a.1.cmp(&b.1));
        regions.dedup();
        let mut care_settings: Vec<CareSetting> = self
            .results
            .iter()
            .filter(|r| r.is_provider())
            .map(|r| r.care_setting)
            .collect();
        care_settings.sort_by_key(|setting| setting.label());
        care_settings.dedup();
        Filters {
            sort: sort.param().to_string(),
            care_setting: care_setting.to_string(),
            region: region.to_string(),
            regions,
            care_settings: care_settings
                .into_iter()
                .map(|s| s.label().to_string())
                .collect(),
        }
    }

    /// England's mean over every provider's assessment.
    fn england(&self) -> Result<GroupScore, AppError> {
        summarise(&self.framework, self.providers(), published).ok_or(AppError::Internal)
    }

    fn providers(&self) -> impl Iterator<Item = &AssessmentResult> {
        self.results.iter().filter(|r| r.is_provider())
    }

    /// The ICB's own survey, where the cycle included ICBs.
    fn own_survey(&self, ics: &str) -> Option<&AssessmentResult> {
        self.results
            .iter()
            .find(|r| !r.is_provider() && r.organisation == ics)
    }
}

/// Turns a version's stored levels (or an imported cycle's pillar scores) into scores.
#[cfg(feature = "ssr")]
fn scored(
    framework: &Framework,
    stored: results_store::StoredResult,
    with_self_scores: bool,
) -> Option<AssessmentResult> {
    let setting = stored.care_setting;
    let (scores, self_scores) = if stored.levels.is_empty() {
        let mut scores = scores_from_pillars(framework, stored.imported_pillars)?;
        scores.domains = stored.imported_domains;
        (scores, None)
    } else {
        let finals = stored
            .levels
            .iter()
            .map(|(key, level, _)| (key.clone(), *level))
            .collect();
        let own = stored
            .levels
            .iter()
            .map(|(key, _, level)| (key.clone(), *level))
            .collect();
        (
            scores_from_levels(framework, setting, &finals)?,
            with_self_scores
                .then(|| scores_from_levels(framework, setting, &own))
                .flatten(),
        )
    };
    Some(AssessmentResult {
        assessment_id: stored.assessment_id,
        organisation: stored.trust_ods_code,
        organisation_name: stored.trust_name,
        ics: stored.ics_ods_code,
        ics_name: stored.ics_name,
        region: stored.region_ods_code,
        region_name: stored.region_name,
        care_setting: setting,
        scores,
        self_scores,
    })
}

/// The results of one version, scored, shared from memory: a published version never changes.
#[cfg(feature = "ssr")]
async fn version_results(
    db: &store::Db,
    cycle: &results_store::PublishedCycle,
    version: &results_store::ResultVersion,
) -> Result<(Arc<Framework>, Arc<Vec<AssessmentResult>>), AppError> {
    /// Every version of a national cycle is about 1 MB scored; a few dozen is plenty.
    const MAX_KEPT: usize = 32;
    type Kept = HashMap<(String, i64), Arc<Vec<AssessmentResult>>>;
    static KEPT: OnceLock<Mutex<Kept>> = OnceLock::new();
    let kept = KEPT.get_or_init(Default::default);
    let framework = store::frameworks::cached(db, &cycle.framework_version)
        .await?
        .ok_or(AppError::Internal)?;
    let key = (cycle.id.clone(), version.version);
    if let Some(results) = kept.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok((framework, results.clone()));
    }
    let results: Vec<AssessmentResult> =
        results_store::stored_results(db, &CycleId::from(&cycle.id), version.version)
            .await?
            .into_iter()
            .filter_map(|stored| scored(&framework, stored, version.with_self_scores.0))
            .collect();
    let results = Arc::new(results);
    let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
    if kept.len() >= MAX_KEPT {
        kept.clear();
    }
    kept.insert(key, results.clone());
    Ok((framework, results))
}

/// A published cycle's results at `version` (the latest when `None`), with the previous
/// published cycle's latest results to compare with.
#[cfg(feature = "ssr")]
pub(crate) async fn load(
    db: &store::Db,
    cycle_id: &str,
    version: Option<i64>,
) -> Result<LoadedResults, AppError> {
    let not_found = || AppError::NotFound("There are no published results for this cycle.".into());
    let cycles = results_store::published_cycles(db).await?;
    let position = cycles
        .iter()
        .position(|cycle| cycle.id == cycle_id)
        .ok_or_else(not_found)?;
    let cycle = &cycles[position];
    let versions = results_store::versions(db, &CycleId::from(cycle_id)).await?;
    let chosen = match version {
        Some(wanted) => versions
            .iter()
            .find(|v| v.version == wanted)
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "{} has no version {wanted} of its results.",
                    cycle.name
                ))
            })?,
        None => versions.first().ok_or_else(not_found)?,
    };
    let (framework, results) = version_results(db, cycle, chosen).await?;
    let earlier = cycles.get(position + 1);
    let mut previous = BTreeMap::new();
    if let Some(earlier) = earlier {
        let earlier_versions = results_store::versions(db, &CycleId::from(&earlier.id)).await?;
        if let Some(latest) = earlier_versions.first() {
            let (_, earlier_results) = version_results(db, earlier, latest).await?;
            for result in earlier_results.iter() {
                previous.insert(
                    (result.organisation.clone(), result.care_setting),
                    result.clone(),
                );
            }
        }
    }
    Ok(LoadedResults {
        shown: VersionShown {
            cycle_id: cycle.id.clone(),
            cycle_name: cycle.name.clone(),
            version: chosen.version,
            latest_version: cycle.latest_version,
            note: chosen.note.clone(),
            published_at: readable_moment(&chosen.published_at),
            versions: versions
                .iter()
                .map(|v| (v.version, v.note.clone(), readable_moment(&v.published_at)))
                .collect(),
            with_self_scores: chosen.with_self_scores.0,
            pillars: framework
                .pillars
                .iter()
                .map(|p| (p.key.clone(), p.name.clone()))
                .collect(),
            previous_cycle: earlier.map(|e| e.name.clone()),
        },
        framework,
        results: results.as_ref().clone(),
        previous,
    })
}

/// The version a `version` parameter names: a number, or the latest when empty.
#[cfg(feature = "ssr")]
fn version_param(version: &str) -> Result<Option<i64>, AppError> {
    if version.trim().is_empty() {
        return Ok(None);
    }
    version
        .trim()
        .parse()
        .map(Some)
        .map_err(|_| AppError::NotFound("There is no such version of these results.".into()))
}

/// Every cycle with published results, the newest first.
#[server]
pub async fn results_index() -> Result<Vec<PublishedCycleLine>, AppError> {
    Ok(results_store::published_cycles(&db()?)
        .await?
        .into_iter()
        .map(|cycle| PublishedCycleLine {
            id: cycle.id,
            name: cycle.name,
            latest_version: cycle.latest_version,
            first_published: readable_moment(&cycle.first_published_at),
        })
        .collect())
}

/// A cycle's national results: England, each region, and the ICS league table, for the
/// assessments of `care_setting` in `region` (empty: all), ordered by `sort`.
#[server]
pub async fn national_results(
    cycle_id: String,
    #[server(default)] version: String,
    #[server(default)] sort: String,
    #[server(default)] care_setting: String,
    #[server(default)] region: String,
) -> Result<NationalView, AppError> {
    let db = db()?;
    let loaded = load(&db, &cycle_id, version_param(&version)?).await?;
    let framework = &loaded.framework;
    let order = LeagueOrder::from_param(&sort, framework);
    let kept = loaded.filtered(&care_setting, &region);
    let regions = summarise_by(framework, &kept, |r| {
        (r.region_name.clone(), r.region.clone())
    })
    .into_iter()
    .map(|((name, code), score)| RegionLine { code, name, score })
    .collect();
    let ics_lines: Vec<IcsLine> = summarise_by(framework, &kept, |r| r.ics.clone())
        .into_iter()
        .filter_map(|(code, score)| {
            let member = kept.iter().find(|r| r.ics == code)?;
            let previous_members: Vec<&AssessmentResult> = loaded
                .previous
                .values()
                .filter(|p| p.ics == code && p.is_provider())
                .filter(|p| care_setting.is_empty() || p.care_setting.label() == care_setting)
                .collect();
            Some(IcsLine {
                own_survey: loaded.own_survey(&code).map(|own| own.scores.overall),
                name: member.ics_name.clone(),
                region: member.region_name.clone(),
                previous: summarise(framework, previous_members, published).map(|g| g.overall),
                code,
                score,
            })
        })
        .collect();
    let mut distributions: Vec<(String, [usize; 4])> = framework
        .pillars
        .iter()
        .map(|pillar| {
            (
                pillar.name.clone(),
                distribution(kept.iter().filter_map(|r| r.scores.pillar(&pillar.key))),
            )
        })
        .collect();
    distributions.push((
        "Overall".into(),
        distribution(kept.iter().map(|r| r.scores.overall)),
    ));
    let surveys: Vec<&AssessmentResult> = loaded
        .results
        .iter()
        .filter(|r| !r.is_provider() && (region.is_empty() || r.region == region))
        .collect();
    Ok(NationalView {
        icb_surveys: summarise(framework, surveys, published),
        england: summarise(framework, &kept, published),
        england_self: summarise(framework, &kept, self_assessed),
        regions,
        ics_league: league(
            ics_lines,
            &order,
            |line, order| line.score.by(order),
            |line| line.name.as_str(),
        ),
        distributions,
        filters: loaded.filters(&order, &care_setting, &region),
        shown: loaded.shown,
    })
}

/// Every trust's assessments in a league table, filtered and ordered like the ICS table.
#[server]
pub async fn trust_league(
    cycle_id: String,
    #[server(default)] version: String,
    #[server(default)] sort: String,
    #[server(default)] care_setting: String,
    #[server(default)] region: String,
) -> Result<TrustLeagueView, AppError> {
    let db = db()?;
    let loaded = load(&db, &cycle_id, version_param(&version)?).await?;
    let order = LeagueOrder::from_param(&sort, &loaded.framework);
    let lines: Vec<TrustLine> = loaded
        .filtered(&care_setting, &region)
        .iter()
        .map(|result| loaded.line(result))
        .collect();
    Ok(TrustLeagueView {
        lines: league(
            lines,
            &order,
            |line, order| line.result.scores.by(order),
            |line| line.result.organisation_name.as_str(),
        ),
        filters: loaded.filters(&order, &care_setting, &region),
        shown: loaded.shown,
    })
}

/// One ICS's results: the mean of its providers' assessments, each listed.
#[server]
pub async fn ics_results(
    cycle_id: String,
    code: String,
    #[server(default)] version: String,
) -> Result<IcsView, AppError> {
    let db = db()?;
    let loaded = load(&db, &cycle_id, version_param(&version)?).await?;
    let members: Vec<AssessmentResult> = loaded
        .providers()
        .filter(|r| r.ics == code)
        .cloned()
        .collect();
    let first = members
        .first()
        .ok_or_else(|| AppError::NotFound("This cycle has no results for that ICS.".into()))?;
    let framework = &loaded.framework;
    let previous: Vec<&AssessmentResult> = loaded
        .previous
        .values()
        .filter(|p| p.ics == code && p.is_provider())
        .collect();
    Ok(IcsView {
        name: first.ics_name.clone(),
        region: first.region_name.clone(),
        score: summarise(framework, &members, published).ok_or(AppError::Internal)?,
        self_score: summarise(framework, &members, self_assessed),
        england: loaded.england()?,
        previous: summarise(framework, previous, published).map(|g| g.overall),
        providers: members.iter().map(|r| loaded.line(r)).collect(),
        own_survey: loaded.own_survey(&code).map(|own| loaded.line(own)),
        code,
        shown: loaded.shown,
    })
}

/// One trust's results, a line per care setting assessed.
#[server]
pub async fn trust_results(
    cycle_id: String,
    code: String,
    #[server(default)] version: String,
) -> Result<TrustView, AppError> {
    let db = db()?;
    let loaded = load(&db, &cycle_id, version_param(&version)?).await?;
    let assessments: Vec<TrustLine> = loaded
        .results
        .iter()
        .filter(|r| r.organisation == code)
        .map(|r| loaded.line_with_domains(r))
        .collect();
    let first = assessments
        .first()
        .ok_or_else(|| AppError::NotFound("This cycle has no results for that trust.".into()))?;
    let settings: Vec<CareSetting> = assessments.iter().map(|a| a.result.care_setting).collect();
    let domains = loaded
        .framework
        .pillars
        .iter()
        .flat_map(|p| &p.domains)
        .filter(|d| settings.iter().any(|s| d.applies_to(*s)))
        .map(|d| (d.key.clone(), d.name.clone()))
        .collect();
    Ok(TrustView {
        name: first.result.organisation_name.clone(),
        ics_code: first.result.ics.clone(),
        ics_name: first.result.ics_name.clone(),
        england: loaded.england()?,
        domains,
        code,
        assessments,
        shown: loaded.shown,
    })
}

/// The scores of a results line, for the pages: the overall first, then each pillar's, `None`
/// where the pillar does not apply.
pub fn score_cells(scores: &Scores, pillars: &[(String, String)]) -> Vec<Option<f64>> {
    std::iter::once(Some(scores.overall))
        .chain(pillars.iter().map(|(key, _)| scores.pillar(key)))
        .collect()
}

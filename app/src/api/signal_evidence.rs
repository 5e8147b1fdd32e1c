//! Assembles what the gaming signals read ([`AssessmentEvidence`], [`PreviousScores`]) from the
//! store, a cycle at a time: levels are worked out from the trust's answers and the reviewers'
//! judgements by the same rules as everywhere else, so a signal never disagrees with a page.

use crate::error::AppError;
use crate::rules::assessments::{Answer, DomainAnswers};
use crate::rules::cycles::Cycle;
use crate::rules::framework::Framework;
use crate::rules::lifecycle::AssessmentStatus;
use crate::rules::organisations::CareSetting;
use crate::rules::review::{reviewer_domain_score, DomainJudgements, Judgement};
use crate::rules::scoring::{domain_score, pillar_score};
use crate::rules::signals::gaming_index::{gaming_index, Subject};
use crate::rules::signals::trend::PreviousScores;
use crate::rules::signals::{
    cycle_signals, AssessmentEvidence, AssessmentSignals, DomainScores, PillarInfo, Reviewer,
};
use crate::store::signals::{self as store, AssessedOrganisation, DomainLevel};
use crate::store::CycleId;
use crate::store::{cycles as cycle_store, frameworks, Db};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Everything the signals of one cycle rest on.
pub struct SignalData {
    /// The cycle's submitted assessments.
    pub current: Vec<AssessmentEvidence>,
    /// Assessments of earlier cycles run here, for the gaming index, reviewer reliability and
    /// the cross-ICS pattern (which take `current` too).
    pub earlier: Vec<AssessmentEvidence>,
    /// Final scores of earlier cycles, run here or imported.
    pub previous: Vec<PreviousScores>,
}

impl SignalData {
    /// Every assessment, earlier cycles' and this one's.
    pub fn all(&self) -> Vec<AssessmentEvidence> {
        self.earlier.iter().chain(&self.current).cloned().collect()
    }

    /// The signals about each of the cycle's assessments.
    pub fn signals(&self) -> Vec<AssessmentSignals> {
        let history = gaming_index(&self.earlier, Subject::Organisation);
        cycle_signals(&self.current, &self.previous, &history)
    }
}

/// How long a cycle's signals are reused before they are worked out again. Every moderation and
/// review page shows them, and working them out reads every submitted answer and judgement of the
/// cycle (about 100 ms for one region's cycle); they rest on submitted work, which changes
/// rarely, so a moderator may see a new review or decision reflected up to this much later (plus
/// the time to work them out).
const SIGNALS_KEPT_FOR: Duration = Duration::from_secs(30);

/// One cycle's signals as last worked out, and the lock held by whoever is working them out.
#[derive(Default)]
struct KeptSignals {
    kept: Mutex<Option<(Instant, Arc<Vec<AssessmentSignals>>)>>,
    working_out: Arc<tokio::sync::Mutex<()>>,
}

impl KeptSignals {
    fn kept(&self) -> Option<(Instant, Arc<Vec<AssessmentSignals>>)> {
        self.kept.lock().expect("signals lock").clone()
    }

    fn keep(&self, signals: Arc<Vec<AssessmentSignals>>) {
        *self.kept.lock().expect("signals lock") = Some((Instant::now(), signals));
    }
}

/// The signals about each of `cycle_id`'s assessments, worked out at most every
/// [`SIGNALS_KEPT_FOR`] (per process) and by one request at a time: under load, twenty moderators
/// whose pages found the signals out of date at once used to work them out twenty times together,
/// stalling every other request for seconds. Out-of-date signals are answered while one task
/// works out the new ones; only the first request for a cycle waits for them.
pub async fn cycle_signals_kept(
    db: &Db,
    cycle_id: &str,
) -> Result<Arc<Vec<AssessmentSignals>>, AppError> {
    static CYCLES: OnceLock<Mutex<HashMap<String, Arc<KeptSignals>>>> = OnceLock::new();
    let cycle = CYCLES
        .get_or_init(Default::default)
        .lock()
        .expect("signals lock")
        .entry(cycle_id.to_string())
        .or_default()
        .clone();
    match cycle.kept() {
        Some((worked_out, signals)) if worked_out.elapsed() < SIGNALS_KEPT_FOR => Ok(signals),
        Some((_, out_of_date)) => {
            if let Ok(working_out) = cycle.working_out.clone().try_lock_owned() {
                let (db, cycle_id, cycle) = (db.clone(), cycle_id.to_string(), cycle.clone());
                tokio::spawn(async move {
                    let _working_out = working_out;
                    match work_out(&db, &cycle_id).await {
                        Ok(signals) => cycle.keep(signals),
                        Err(error) => tracing::warn!(%cycle_id, ?error, "signals not worked out"),
                    }
                });
            }
            Ok(out_of_date)
        }
        None => {
            let _working_out = cycle.working_out.lock().await;
            if let Some((_, signals)) = cycle.kept() {
                return Ok(signals); // worked out by the request this one waited for
            }
            let signals = work_out(db, cycle_id).await?;
            cycle.keep(signals.clone());
            Ok(signals)
        }
    }
}

/// Works out `cycle_id`'s signals, the arithmetic on a blocking thread so that requests waiting
/// for the async workers are not held up by it.
async fn work_out(db: &Db, cycle_id: &str) -> Result<Arc<Vec<AssessmentSignals>>, AppError> {
    let data = load(db, cycle_id).await?;
    let signals = tokio::task::spawn_blocking(move || data.signals())
        .await
        .map_err(|_| AppError::Internal)?;
    Ok(Arc::new(signals))
}

/// Loads the signals' data for `cycle_id` and the cycles that opened before it.
pub async fn load(db: &Db, cycle_id: &str) -> Result<SignalData, AppError> {
    let mut cycles = cycle_store::list(db).await?;
    cycles.reverse(); // oldest first: a cycle's number orders it in time
    let position = cycles
        .iter()
        .position(|cycle| cycle.id == cycle_id)
        .ok_or_else(|| AppError::NotFound("There is no such cycle.".into()))?;
    let mut data = SignalData {
        current: Vec::new(),
        earlier: Vec::new(),
        previous: Vec::new(),
    };
    for (number, cycle) in cycles.iter().enumerate().take(position + 1) {
        let number = number as i64;
        let framework = frameworks::cached(db, &cycle.framework_version)
            .await?
            .ok_or(AppError::Internal)?;
        if number as usize == position {
            data.current = evidence(db, cycle, number, &framework).await?;
            continue;
        }
        if !cycle.is_historical {
            data.earlier
                .extend(evidence(db, cycle, number, &framework).await?);
        }
        data.previous
            .extend(final_scores(db, cycle, number, &framework).await?);
    }
    Ok(data)
}

fn care_setting(org: &AssessedOrganisation) -> Option<CareSetting> {
    CareSetting::from_label(&org.care_setting)
}

/// Levels by assessment and domain.
fn levels_by_domain(levels: Vec<DomainLevel>) -> BTreeMap<(String, String), u8> {
    levels
        .into_iter()
        .map(|level| {
            (
                (level.assessment_id, level.domain_key),
                u8::try_from(level.level).unwrap_or(0),
            )
        })
        .collect()
}

/// The cycle's assessments that have been submitted, with every level known for each domain.
async fn evidence(
    db: &Db,
    cycle: &Cycle,
    number: i64,
    framework: &Arc<Framework>,
) -> Result<Vec<AssessmentEvidence>, AppError> {
    let mut answers: BTreeMap<String, BTreeMap<String, DomainAnswers>> = BTreeMap::new();
    for met in store::met_criteria(db, &CycleId::from(&cycle.id)).await? {
        answers
            .entry(met.assessment_id)
            .or_default()
            .entry(met.domain_key)
            .or_default()
            .insert(
                met.criterion_key,
                Answer {
                    met: Some(true),
                    evidence: String::new(),
                },
            );
    }
    let mut judgements: BTreeMap<String, BTreeMap<String, DomainJudgements>> = BTreeMap::new();
    for judgement in store::judgements(db, &CycleId::from(&cycle.id)).await? {
        judgements
            .entry(judgement.slot_id)
            .or_default()
            .entry(judgement.domain_key)
            .or_default()
            .insert(
                judgement.criterion_key,
                Judgement {
                    met: judgement.met != 0,
                    reason: String::new(),
                },
            );
    }
    let mut slots: BTreeMap<String, Vec<store::SubmittedSlot>> = BTreeMap::new();
    for slot in store::submitted_slots(db, &CycleId::from(&cycle.id)).await? {
        slots
            .entry(slot.assessment_id.clone())
            .or_default()
            .push(slot);
    }
    let mut moderated = levels_by_domain(store::final_levels(db, &CycleId::from(&cycle.id)).await?);
    moderated.extend(levels_by_domain(
        store::moderated_levels(db, &CycleId::from(&cycle.id)).await?,
    ));
    let pillars: Vec<PillarInfo> = framework
        .pillars
        .iter()
        .map(|pillar| PillarInfo {
            key: pillar.key.clone(),
            name: pillar.name.clone(),
            weight: pillar.weight,
        })
        .collect();
    let none = DomainAnswers::new();
    let no_judgements = DomainJudgements::new();
    let mut assessments = Vec::new();
    for org in store::assessments(db, &CycleId::from(&cycle.id)).await? {
        let submitted = AssessmentStatus::from_key(&org.status).is_some_and(|status| {
            !matches!(
                status,
                AssessmentStatus::NotStarted | AssessmentStatus::InProgress
            )
        });
        let Some(setting) = care_setting(&org).filter(|_| submitted) else {
            continue;
        };
        let own_answers = answers.get(&org.assessment_id);
        let own_slots = slots.get(&org.assessment_id).map_or(&[][..], Vec::as_slice);
        let mut domains = Vec::new();
        for pillar in &framework.pillars {
            for domain in pillar.domains.iter().filter(|d| d.applies_to(setting)) {
                let trust = own_answers
                    .and_then(|answers| answers.get(&domain.key))
                    .unwrap_or(&none);
                let met = |key: &str| trust.get(key).is_some_and(Answer::is_met);
                domains.push(DomainScores {
                    domain: domain.key.clone(),
                    domain_name: domain.name.clone(),
                    pillar: pillar.key.clone(),
                    self_level: domain_score(met, domain),
                    reviewer_levels: own_slots
                        .iter()
                        .map(|slot| {
                            let judged = judgements
                                .get(&slot.slot_id)
                                .and_then(|domains| domains.get(&domain.key))
                                .unwrap_or(&no_judgements);
                            reviewer_domain_score(domain, trust, judged)
                        })
                        .collect(),
                    moderated_level: moderated
                        .get(&(org.assessment_id.clone(), domain.key.clone()))
                        .copied(),
                });
            }
        }
        assessments.push(AssessmentEvidence {
            reviewers: own_slots
                .iter()
                .map(|slot| Reviewer {
                    id: slot.reviewer_id.clone(),
                    ics_code: slot.reviewer_ics.clone().unwrap_or_default(),
                })
                .collect(),
            assessment_id: org.assessment_id,
            org_name: org.org_name.unwrap_or_else(|| org.org_code.clone()),
            org_code: org.org_code,
            ics_code: org.ics_code.unwrap_or_default(),
            ics_name: org.ics_name.unwrap_or_default(),
            care_setting: setting,
            cycle: number,
            cycle_name: cycle.name.clone(),
            pillars: pillars.clone(),
            domains,
        });
    }
    Ok(assessments)
}

/// The final scores an earlier cycle gave: its latest published levels when run here, or the
/// scores imported from before.
async fn final_scores(
    db: &Db,
    cycle: &Cycle,
    number: i64,
    framework: &Arc<Framework>,
) -> Result<Vec<PreviousScores>, AppError> {
    let orgs: BTreeMap<String, AssessedOrganisation> =
        store::assessments(db, &CycleId::from(&cycle.id))
            .await?
            .into_iter()
            .map(|org| (org.assessment_id.clone(), org))
            .collect();
    let mut scores: BTreeMap<String, PreviousScores> = BTreeMap::new();
    if cycle.is_historical {
        for score in store::imported_scores(db, &CycleId::from(&cycle.id)).await? {
            let Some(previous) = scores_of(&mut scores, &orgs, &score.assessment_id, cycle, number)
            else {
                continue;
            };
            let value = score.score_hundredths as f64 / 100.0;
            match score.scope.as_str() {
                "domain" => {
                    previous
                        .domains
                        .insert(score.score_key, value.round().clamp(0.0, 5.0) as u8);
                }
                "pillar" => {
                    previous.pillars.insert(score.score_key, value);
                }
                _ => {}
            }
        }
    } else {
        for level in store::final_levels(db, &CycleId::from(&cycle.id)).await? {
            if let Some(previous) =
                scores_of(&mut scores, &orgs, &level.assessment_id, cycle, number)
            {
                previous
                    .domains
                    .insert(level.domain_key, u8::try_from(level.level).unwrap_or(0));
            }
        }
        for previous in scores.values_mut() {
            for pillar in &framework.pillars {
                let levels: Vec<u8> = pillar
                    .domains
                    .iter()
                    .filter_map(|domain| previous.domains.get(&domain.key).copied())
                    .collect();
                if let Some(score) = pillar_score(&levels) {
                    previous.pillars.insert(pillar.key.clone(), score);
                }
            }
        }
    }
    Ok(scores.into_values().collect())
}

/// The scores of one assessment of an earlier cycle in `scores`, started empty; None for an
/// assessment the cycle does not have.
fn scores_of<'a>(
    scores: &'a mut BTreeMap<String, PreviousScores>,
    orgs: &BTreeMap<String, AssessedOrganisation>,
    assessment_id: &str,
    cycle: &Cycle,
    number: i64,
) -> Option<&'a mut PreviousScores> {
    let org = orgs.get(assessment_id)?;
    let care_setting = care_setting(org)?;
    Some(
        scores
            .entry(assessment_id.to_string())
            .or_insert_with(|| PreviousScores {
                org_code: org.org_code.clone(),
                care_setting,
                cycle: number,
                cycle_name: cycle.name.clone(),
                domains: BTreeMap::new(),
                pillars: BTreeMap::new(),
            }),
    )
}

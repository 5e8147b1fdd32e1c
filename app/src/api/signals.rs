//! Gaming signals where people use them: the signals about one assessment (moderators see all of
//! them; its reviewers see how it compares with similar organisations and with last time), and
//! NHS England's insights across trusts, ICSs and reviewers. Trusts never see signals.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::store::{CycleId, OdsCode};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::context::Cx;
#[cfg(feature = "ssr")]
use {
    super::guard,
    super::signal_evidence,
    crate::rules::access,
    crate::rules::signals::{
        cross_ics::{cross_ics, CrossIcsPlan, Pattern},
        gaming_index::{gaming_index, GamingIndex, Subject},
        reliability::{reviewer_reliability, Lean},
        AssessmentSignals, Severity, Signal, SignalKind,
    },
    crate::store,
    std::collections::BTreeMap,
};

/// A signal as shown: what it is, whether it is a concern or only worth a look, why, and the
/// numbers behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalView {
    pub label: String,
    /// "Possible sign of gaming", or "Worth a look" for what is no sign of gaming in itself.
    pub severity: String,
    pub reason: String,
    pub figures: Vec<(String, String)>,
}

#[cfg(feature = "ssr")]
impl From<&Signal> for SignalView {
    fn from(signal: &Signal) -> Self {
        SignalView {
            label: signal.kind.label().to_string(),
            severity: match signal.kind.severity() {
                Severity::Concern => "Possible sign of gaming",
                Severity::WorthALook => "Worth a look",
            }
            .to_string(),
            reason: signal.reason.clone(),
            figures: signal
                .figures
                .iter()
                .map(|figure| (figure.label.clone(), figure.value.clone()))
                .collect(),
        }
    }
}

/// The signals about one of `data`'s assessments, of the kinds `shown` allows.
#[cfg(feature = "ssr")]
fn signals_about(
    cycle: &[AssessmentSignals],
    assessment_id: &str,
    shown: impl Fn(SignalKind) -> bool,
) -> Vec<SignalView> {
    cycle
        .iter()
        .find(|signals| signals.assessment_id == assessment_id)
        .map(|signals| {
            signals
                .signals
                .iter()
                .filter(|signal| shown(signal.kind))
                .map(SignalView::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Every signal about an assessment, for its moderation page. NHS England, never about their
/// own organisation.
#[server]
pub async fn get_assessment_signals(assessment_id: String) -> Result<Vec<SignalView>, AppError> {
    let Cx { actor, db } = Cx::signed_in().await?;
    let header = super::assessments::existing_assessment(&db, &assessment_id).await?;
    guard::allowed(
        &actor,
        access::may_see_signals(&actor, &header.trust_ods_code),
    )?;
    let cycle = signal_evidence::cycle_signals_kept(&db, &header.cycle_id).await?;
    Ok(signals_about(&cycle, &assessment_id, |_| true))
}

/// What a reviewer is shown about the assessment they review: how the trust's own levels compare
/// with similar organisations' this cycle and with its final scores last time. Other signals
/// rest on the reviews themselves, so they are left to moderation.
#[server]
pub async fn get_review_signals(slot_id: String) -> Result<Vec<SignalView>, AppError> {
    let review = Cx::signed_in().await?.review(&slot_id).await?;
    if review.cx.actor.account_id != review.slot.reviewer_id {
        review.cx.allowed(access::may_see_signals(
            &review.cx.actor,
            &review.header.trust_ods_code,
        ))?;
    }
    let cycle = signal_evidence::cycle_signals_kept(&review.cx.db, &review.header.cycle_id).await?;
    Ok(signals_about(&cycle, &review.slot.assessment_id, |kind| {
        matches!(
            kind,
            SignalKind::FarBelowSimilar | SignalKind::Fall | SignalKind::LargeRise
        )
    }))
}

/// A row of a gaming index table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GamingIndexRow {
    pub name: String,
    /// Moderated less self, mean over domains, signed: "+0.45".
    pub mean_gap: String,
    pub spread: String,
    pub domains: usize,
    /// Each cycle's mean gap: "DMA 2026/27: +0.45 (47 domains)".
    pub history: Vec<String>,
    pub reason: String,
}

/// A row of the reviewer reliability table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReliabilityRow {
    pub reviewer: String,
    pub reviews: usize,
    pub mean_difference: String,
    pub lean: String,
    pub reason: String,
    /// Each cycle's mean difference: "DMA 2026/27: +0.50 (3 reviews)".
    pub history: Vec<String>,
}

/// A cell of the cross-ICS matrix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrossIcsCellView {
    pub reviewer_ics: String,
    pub reviewed_ics: String,
    pub reviews: usize,
    pub mean_adjustment: f64,
    /// "0.004", or "Too few reviews to test".
    pub p_value: String,
    /// "Lenient", "Harsh or retaliatory", or "" when not flagged.
    pub pattern: String,
}

/// The insights page: patterns across trusts, ICSs and reviewers up to one cycle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Insights {
    pub cycle_id: String,
    pub cycle_name: String,
    /// `(id, name)` of every cycle run here, newest first, to choose from.
    pub cycles: Vec<(String, String)>,
    pub ics_index: Vec<GamingIndexRow>,
    /// The organisations with the largest mean gap, at most [`TOP_ORGANISATIONS`].
    pub organisation_index: Vec<GamingIndexRow>,
    pub organisations_with_a_gap: usize,
    pub reviewers: Vec<ReliabilityRow>,
    /// ICS names, in the order of the matrix's rows and columns.
    pub ics_names: Vec<(String, String)>,
    pub cells: Vec<CrossIcsCellView>,
    pub cross_ics_summary: String,
}

/// Organisations listed in the gaming index table.
pub const TOP_ORGANISATIONS: usize = 20;

#[cfg(feature = "ssr")]
fn signed(value: f64) -> String {
    format!("{value:+.2}")
}

/// "1 review", "3 reviews".
#[cfg(feature = "ssr")]
fn counted(count: usize, one: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {one}s")
    }
}

#[cfg(feature = "ssr")]
fn index_row(index: &GamingIndex) -> GamingIndexRow {
    GamingIndexRow {
        name: index.name.clone(),
        mean_gap: signed(index.overall.mean().unwrap_or(0.0)),
        spread: format!("{:.2}", index.overall.spread().unwrap_or(0.0)),
        domains: index.overall.count(),
        history: index
            .cycles
            .iter()
            .map(|cycle| {
                format!(
                    "{}: {} ({})",
                    cycle.cycle_name,
                    signed(cycle.gap.mean().unwrap_or(0.0)),
                    counted(cycle.gap.count(), "domain")
                )
            })
            .collect(),
        reason: index.reason(),
    }
}

/// A seed for the cycle's audit sample and permutation test: the one recorded for it, or a new
/// one from the operating system, recorded now.
#[cfg(feature = "ssr")]
pub(crate) async fn cycle_seed(
    db: &store::Db,
    cycle_id: &str,
    actor: &str,
) -> Result<u64, AppError> {
    use rand::RngCore;
    let fresh = rand::rng().next_u64();
    Ok(store::signals::audit_sample_seed(db, &CycleId::from(cycle_id), fresh, actor).await?)
}

/// Patterns across trusts, ICSs and reviewers, up to `cycle_id` (empty: the newest cycle run
/// here). NHS England only.
#[server]
pub async fn get_insights(#[server(default)] cycle_id: String) -> Result<Insights, AppError> {
    let Cx { actor, db } = Cx::require(access::may_see_insights).await?;
    let cycles: Vec<(String, String)> = store::cycles::list(&db)
        .await?
        .into_iter()
        .filter(|cycle| !cycle.is_historical)
        .map(|cycle| (cycle.id, cycle.name))
        .collect();
    let (cycle_id, cycle_name) = if cycle_id.is_empty() {
        cycles.first().cloned().ok_or_else(|| {
            AppError::NotFound("No assessment cycle has been run in this service yet.".into())
        })?
    } else {
        cycles
            .iter()
            .find(|(id, _)| *id == cycle_id)
            .cloned()
            .ok_or_else(|| AppError::NotFound("There is no such cycle.".into()))?
    };
    let data = signal_evidence::load(&db, &cycle_id).await?;
    let all = data.all();
    let mut organisations = gaming_index(&all, Subject::Organisation);
    organisations.retain(|index| access::may_see_signals(&actor, &index.code).is_ok());
    organisations.sort_by(|a, b| {
        let gap = |index: &GamingIndex| index.overall.mean().unwrap_or(0.0);
        gap(b).total_cmp(&gap(a)).then_with(|| a.name.cmp(&b.name))
    });
    let organisations_with_a_gap = organisations
        .iter()
        .filter(|index| index.overall.mean().unwrap_or(0.0) > 0.0)
        .count();
    let own_ics = match &actor.org_ods_code {
        Some(org) => {
            store::signals::ics_of(&db, &CycleId::from(&cycle_id), &OdsCode::from(org)).await?
        }
        None => None,
    };
    let mut ics = gaming_index(&all, Subject::Ics);
    ics.retain(|index| {
        access::may_see_ics_signals(&actor, own_ics.as_deref(), &index.code).is_ok()
    });
    ics.sort_by(|a, b| a.name.cmp(&b.name));
    // Each account's name with its organisation's, and its organisation's ODS code.
    let accounts: BTreeMap<String, (String, Option<String>)> =
        store::accounts::list(&db, None, None)
            .await?
            .into_iter()
            .map(|account| {
                let org = account
                    .org_name
                    .or(account.org_ods_code.clone())
                    .unwrap_or_default();
                let name = format!("{} ({org})", account.display_name);
                (account.id, (name, account.org_ods_code))
            })
            .collect();
    let reviewers = reviewer_reliability(&all)
        .into_iter()
        .filter(|reliability| {
            // Their own trust's reviewers are about their own organisation too.
            let org = accounts
                .get(&reliability.reviewer)
                .and_then(|(_, org)| org.as_deref());
            org.is_none_or(|org| access::may_see_signals(&actor, org).is_ok())
        })
        .map(|reliability| ReliabilityRow {
            reviewer: accounts
                .get(&reliability.reviewer)
                .map(|(name, _)| name.clone())
                .unwrap_or_else(|| reliability.reviewer.clone()),
            reviews: reliability.reviews,
            mean_difference: signed(reliability.difference.mean().unwrap_or(0.0)),
            lean: match reliability.lean {
                Lean::Lenient => "Lenient",
                Lean::Harsh => "Harsh",
                Lean::Even => "Even",
                Lean::TooFewReviews => "Too few reviews to say",
            }
            .to_string(),
            reason: reliability.reason(),
            history: reliability
                .cycles
                .iter()
                .map(|cycle| {
                    format!(
                        "{}: {} ({})",
                        cycle.cycle_name,
                        signed(cycle.difference.mean().unwrap_or(0.0)),
                        counted(cycle.reviews, "review")
                    )
                })
                .collect(),
        })
        .collect();
    let seed = cycle_seed(&db, &cycle_id, &actor.account_id).await?;
    let matrix = cross_ics(&all, &CrossIcsPlan::new(seed));
    let mut ics_names: BTreeMap<String, String> = BTreeMap::new();
    for assessment in &all {
        ics_names.insert(assessment.ics_code.clone(), assessment.ics_name.clone());
    }
    let cells = matrix
        .cells
        .iter()
        .map(|cell| CrossIcsCellView {
            reviewer_ics: cell.reviewer_ics.clone(),
            reviewed_ics: cell.reviewed_ics.clone(),
            reviews: cell.reviews,
            mean_adjustment: cell.mean_adjustment,
            p_value: cell.p_value.map_or_else(
                || "Too few reviews to test".to_string(),
                |p| format!("{p:.3}"),
            ),
            pattern: match cell.pattern {
                Some(Pattern::Lenient) => "Lenient",
                Some(Pattern::Harsh) => "Harsh or retaliatory",
                None => "",
            }
            .to_string(),
        })
        .collect();
    Ok(Insights {
        cycle_id,
        cycle_name,
        cycles,
        ics_index: ics.iter().map(index_row).collect(),
        organisation_index: organisations
            .iter()
            .take(TOP_ORGANISATIONS)
            .map(index_row)
            .collect(),
        organisations_with_a_gap,
        reviewers,
        ics_names: ics_names
            .into_iter()
            .filter(|(code, _)| !code.is_empty())
            .collect(),
        cells,
        cross_ics_summary: matrix.summary(),
    })
}

//! The demo's cycle in moderation: every acute trust of one region self-assessed, peer reviewed
//! by two synthetic reviewers from other regions, and replied to, so every demo role has real
//! work (the lead a reply to write, the moderator a queue to order by risk, the approver
//! assessments to sign off) and the gaming signals have something to say. Synthetic but the same
//! on every machine: each trust has a "true" level per domain from a hash, a few trusts score
//! themselves below it (as gaming would), one reviewer is lenient and one harsh.

use app::rules::accounts::Role;
use app::rules::assessments::{Answer, DomainAnswers};
use app::rules::assignment::{AssignmentPlan, ProposedReview};
use app::rules::cycles::{CycleDates, Phase};
use app::rules::framework::Domain;
use app::rules::lifecycle::{decide, Allowed, AssessmentStatus, Event, Participant};
use app::rules::moderation::DomainModeration;
use app::rules::organisations::CareSetting;
use app::rules::reply::ReplyOutcome;
use app::rules::review::{DomainReview, Judgement, Verdict};
use app::store::cycles::{self, NewCycle};
use app::store::{self, assessments, assignments, frameworks, Db};
use app::store::{AssessmentId, CycleId, ReviewSlotId};

const NAME: &str = "DMA 2025/26 moderation (demo)";
/// North East and Yorkshire, where the demo trust (Leeds) is.
const REGION: &str = "Y63";
/// Synthetic reviewers: trusts in other regions. The first is lenient, the second harsh.
const REVIEWERS: [(&str, &str); 6] = [
    ("R0A", "Manchester University NHS Foundation Trust"),
    ("RJ1", "Guy's and St Thomas' NHS Foundation Trust"),
    (
        "RRK",
        "University Hospitals Birmingham NHS Foundation Trust",
    ),
    ("RTH", "Oxford University Hospitals NHS Foundation Trust"),
    ("RGT", "Cambridge University Hospitals NHS Foundation Trust"),
    ("RWE", "University Hospitals of Leicester NHS Trust"),
];
/// Assessments the demo moderator has already moderated, for the approver's queue.
const MODERATED: usize = 3;

/// A stable number from text (FNV-1a).
fn hash(parts: &[&str]) -> u64 {
    parts
        .iter()
        .flat_map(|part| part.bytes().chain([b'/']))
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// The level a domain of a trust truly reaches: 2 to 4.
fn true_level(trust: &str, domain: &str) -> u8 {
    2 + (hash(&[trust, domain]) % 3) as u8
}

/// About one trust in five scores itself low on purpose.
fn under_scores(trust: &str) -> bool {
    hash(&[trust, "games"]).is_multiple_of(5)
}

fn self_level(trust: &str, domain: &str) -> u8 {
    let level = true_level(trust, domain);
    if under_scores(trust) && !hash(&[trust, domain, "low"]).is_multiple_of(3) {
        level
            .saturating_sub(1 + (hash(&[trust, domain]) % 2) as u8)
            .max(1)
    } else {
        level
    }
}

/// Reviewer `index`'s reading: the lenient one a level up, the harsh one a level down.
fn reviewer_level(index: usize, trust: &str, domain: &str) -> u8 {
    let level = true_level(trust, domain);
    match index {
        0 => (level + 1).min(5),
        1 => level.saturating_sub(1).max(1),
        _ => level,
    }
}

/// Every criterion of `domain` met up to `level` (with evidence) and not met above it: a demo
/// trust's answers.
pub(crate) fn answers(domain: &Domain, level: u8) -> DomainAnswers {
    domain
        .levels
        .iter()
        .flat_map(|l| l.criteria.iter().map(move |c| (l.level, c)))
        .map(|(at, criterion)| {
            let met = at <= level;
            let evidence = if met {
                format!("{} (board papers, 2025)", criterion.evidence)
            } else {
                String::new()
            };
            (
                criterion.key.clone(),
                Answer {
                    met: Some(met),
                    evidence,
                },
            )
        })
        .collect()
}

/// A review finding `level` where the trust found `own`: each criterion judged the other way,
/// with a reason.
fn review(domain: &Domain, own: u8, level: u8) -> DomainReview {
    let mut review = DomainReview {
        confirmed: true,
        ..Default::default()
    };
    for at in &domain.levels {
        let (ours, theirs) = (at.level <= level, at.level <= own);
        if ours == theirs {
            continue;
        }
        for criterion in &at.criteria {
            let reason = if ours {
                "Seen in the trust's board papers and on our visit"
            } else {
                "The evidence given does not show this yet"
            };
            review.judgements.insert(
                criterion.key.clone(),
                Judgement {
                    met: ours,
                    reason: reason.into(),
                },
            );
        }
    }
    review
}

fn person(role: Role, assigned_reviewer: bool, own: bool) -> Participant {
    Participant::Person {
        roles: vec![role],
        of_assessed_organisation: own,
        assigned_reviewer,
        moderated_it: false,
    }
}

/// The lifecycle's judgement of `event`, as `who` would take it on `date` in the cycle's phase now.
async fn judged(
    db: &Db,
    cycle_id: &str,
    date: &str,
    event: Event,
    status: AssessmentStatus,
    who: &Participant,
) -> anyhow::Result<Allowed> {
    let cycle = cycles::get(db, &CycleId::from(cycle_id))
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo moderation cycle exists"))?;
    decide(event, status, who, &cycle.moment(date))
        .map_err(|refusal| anyhow::anyhow!("demo seeding: {}", refusal.message()))
}

fn seeding(error: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("demo seeding: {error}")
}

/// Creates the cycle, once; later starts leave it as it is. The demo trust's own assessment is
/// left reviewed, for the demo lead to reply to.
pub async fn seed_demo_moderation_cycle(db: &Db, public_url: &str) -> anyhow::Result<()> {
    if cycles::list(db)
        .await?
        .iter()
        .any(|cycle| cycle.name == NAME)
    {
        return Ok(());
    }
    let day = store::date_in_days;
    let version = frameworks::versions(db)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no framework is loaded"))?
        .version;
    let framework = frameworks::cached(db, &version)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the framework {version} is loaded"))?;
    let dates = CycleDates {
        opens_on: day(-120),
        submission_deadline: day(-60),
        review_deadline: day(-20),
        moderation_deadline: day(30),
        publication_on: day(60),
    };
    let id = cycles::create(
        db,
        "demo",
        &NewCycle {
            name: NAME.into(),
            framework_version: version,
            dates: dates.clone(),
            care_settings: vec![CareSetting::Acute],
            region_ods_codes: vec![REGION.into()],
            reviewers_per_assessment: 2,
            reviewer_capacity: 20,
        },
        false,
    )
    .await?;
    // The demo trust still has time to reply, so the reply deadline job leaves it waiting.
    let default_reply = app::rules::cycles::default_reply_deadline(
        &dates.review_deadline,
        &dates.moderation_deadline,
    );
    cycles::set_reply_deadline(db, "demo", &CycleId::from(&id), &default_reply, &day(10))
        .await
        .map_err(seeding)?;
    let link = format!("{public_url}/assessments");
    let deadline = app::rules::cycles::readable_date(&dates.submission_deadline);
    cycles::open(db, "demo", &CycleId::from(&id), |lead| {
        app::api::mail_text::CycleOpened {
            lead,
            cycle_name: NAME,
            deadline: &deadline,
            link: &link,
        }
        .mail()
    })
    .await?;

    let mut reviewers = Vec::new();
    let hash_text = app::api::credentials::hash_password(app::api::credentials::new_link_secret())
        .await
        .map_err(seeding)?;
    for (number, (org, org_name)) in REVIEWERS.iter().enumerate() {
        let account = store::accounts::NewAccount {
            email: format!("reviewer{}@demo.dma.invalid", number + 1),
            display_name: format!("Demo Reviewer {} ({org_name})", number + 1),
            org_ods_code: Some(org.to_string()),
            roles: vec![Role::PeerReviewer],
        };
        reviewers
            .push(store::accounts::upsert_with_password(db, "demo", &account, &hash_text).await?);
    }

    let domains: Vec<&Domain> = framework
        .domains_for(CareSetting::Acute)
        .map(|(_, domain)| domain)
        .collect();
    let lead = person(Role::TrustLead, false, true);
    let when_answered = day(-70);
    let mut plan = AssignmentPlan {
        assignments: Vec::new(),
        total_cost: 0,
        uncovered: Vec::new(),
        load: Vec::new(),
    };
    let mut into_review = Vec::new();
    let cycle_assessments = assessments::for_cycle(db, &CycleId::from(&id)).await?;
    for (index, assessment) in cycle_assessments.iter().enumerate() {
        let trust = &assessment.trust_ods_code;
        for domain in &domains {
            let status = assessments::header(db, &AssessmentId::from(&assessment.id))
                .await?
                .map_or(assessment.status, |header| header.status);
            let allowed = judged(db, &id, &when_answered, Event::Save, status, &lead).await?;
            let level = self_level(trust, &domain.key);
            assessments::save_domain(
                db,
                "demo",
                &AssessmentId::from(&assessment.id),
                allowed,
                &domain.key,
                0,
                &answers(domain, level),
                format!("demo answers, level {level}"),
            )
            .await
            .map_err(seeding)?;
        }
        let allowed = judged(
            db,
            &id,
            &when_answered,
            Event::Submit,
            AssessmentStatus::InProgress,
            &lead,
        )
        .await?;
        assessments::submit(
            db,
            "demo",
            &AssessmentId::from(&assessment.id),
            allowed,
            "demo".into(),
            &[],
        )
        .await
        .map_err(seeding)?;
        // Two reviewers in turn; the lenient and the harsh one each review a third of the trusts.
        for offset in 0..2 {
            plan.assignments.push(ProposedReview {
                assessment_id: assessment.id.clone(),
                reviewer_id: reviewers[(index * 2 + offset) % reviewers.len()].clone(),
                cost: 0,
                reasons: vec!["Demo".into()],
            });
        }
        let admin = person(Role::Admin, false, false);
        let allowed = judged(
            db,
            &id,
            &when_answered,
            Event::ConfirmReviewers,
            AssessmentStatus::Submitted,
            &admin,
        )
        .await?;
        into_review.push((assessment.id.clone(), allowed));
    }
    assignments::propose(db, "demo", &CycleId::from(&id), &plan)
        .await
        .map_err(seeding)?;
    assignments::confirm(db, "demo", &CycleId::from(&id), &into_review, &[], |_| {
        Ok(())
    })
    .await
    .map_err(seeding)?;
    cycles::change_phase(
        db,
        "demo",
        &CycleId::from(&id),
        Phase::Submission,
        Phase::PeerReview,
    )
    .await
    .map_err(seeding)?;

    let reviewer = person(Role::PeerReviewer, true, false);
    let when_reviewed = day(-30);
    for assessment in &cycle_assessments {
        let trust = &assessment.trust_ods_code;
        for slot in store::reviews::slots_of(db, &AssessmentId::from(&assessment.id)).await? {
            let index = reviewers
                .iter()
                .position(|id| *id == slot.reviewer_id)
                .unwrap_or(2);
            let mut gap = 0i32;
            for domain in &domains {
                let (own, found) = (
                    self_level(trust, &domain.key),
                    reviewer_level(index, trust, &domain.key),
                );
                gap += i32::from(found) - i32::from(own);
                store::reviews::save_domain_review(
                    db,
                    &slot.reviewer_id,
                    &ReviewSlotId::from(&slot.id),
                    &domain.key,
                    0,
                    &review(domain, own, found),
                    "demo review".into(),
                )
                .await
                .map_err(seeding)?;
            }
            let verdict = match gap {
                gap if gap > 10 => Verdict::SignificantlyUnderScored,
                gap if gap < -10 => Verdict::SignificantlyOverScored,
                0 => Verdict::Accurate,
                _ => Verdict::MinorDifferences,
            };
            let summary = if verdict == Verdict::Accurate {
                ""
            } else {
                "Our levels differ where the evidence shows more, or less, than the trust found."
            };
            let completes = judged(
                db,
                &id,
                &when_reviewed,
                Event::LastReviewSubmitted,
                AssessmentStatus::InReview,
                &reviewer,
            )
            .await?;
            store::reviews::submit(
                db,
                &slot.reviewer_id,
                &ReviewSlotId::from(&slot.id),
                verdict,
                summary,
                completes,
                &[],
            )
            .await
            .map_err(seeding)?;
        }
    }
    cycles::change_phase(
        db,
        "demo",
        &CycleId::from(&id),
        Phase::PeerReview,
        Phase::Moderation,
    )
    .await
    .map_err(seeding)?;

    let when_replied = day(-10);
    let moderator = store::accounts::find_for_sign_in(db, "moderator@demo.dma.invalid")
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo moderator exists"))?
        .account_id;
    let mut moderated = 0;
    for assessment in cycle_assessments
        .iter()
        .filter(|a| a.trust_ods_code != "RR8")
    {
        let allowed = judged(
            db,
            &id,
            &when_replied,
            Event::ReplySubmitted,
            AssessmentStatus::Reviewed,
            &lead,
        )
        .await?;
        store::replies::finish(
            db,
            "demo",
            &AssessmentId::from(&assessment.id),
            allowed,
            ReplyOutcome::Submitted,
            &[],
        )
        .await
        .map_err(seeding)?;
        if moderated == MODERATED {
            continue;
        }
        let moderate = judged(
            db,
            &id,
            &day(0),
            Event::ModerationSubmitted,
            AssessmentStatus::Replied,
            &person(Role::Moderator, false, false),
        )
        .await?;
        for domain in &domains {
            let (own, level) = (
                self_level(&assessment.trust_ods_code, &domain.key),
                true_level(&assessment.trust_ods_code, &domain.key),
            );
            let moderation = if own == level {
                DomainModeration {
                    score: level,
                    criteria: Vec::new(),
                    rationale: String::new(),
                }
            } else {
                let at = domain
                    .levels
                    .iter()
                    .find(|l| l.level == level.max(own))
                    .or(domain.levels.first());
                DomainModeration {
                    score: level,
                    criteria: at
                        .and_then(|l| l.criteria.first())
                        .map(|c| vec![c.key.clone()])
                        .unwrap_or_default(),
                    rationale: "The reviewers' evidence, checked against the trust's board papers."
                        .into(),
                }
            };
            store::moderation::save_domain_moderation(
                db,
                &moderator,
                &AssessmentId::from(&assessment.id),
                moderate,
                &domain.key,
                0,
                &moderation,
            )
            .await
            .map_err(seeding)?;
        }
        store::moderation::submit(
            db,
            &moderator,
            &AssessmentId::from(&assessment.id),
            moderate,
            "demo".into(),
        )
        .await
        .map_err(seeding)?;
        moderated += 1;
    }
    println!(
        "DEMO=1: {NAME} is in moderation: {} assessments peer reviewed, {MODERATED} moderated and awaiting sign-off; the demo trust's is waiting for its reply.",
        cycle_assessments.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::store::CycleId;

    #[tokio::test]
    async fn the_demo_moderation_cycle_gives_every_role_work_once() {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", folder.path().join("dma.db").display());
        let db = crate::open_database(&url).await.unwrap();
        crate::commands::seed_demo_accounts(&db).await.unwrap();
        seed_demo_moderation_cycle(&db, "http://localhost")
            .await
            .unwrap();
        seed_demo_moderation_cycle(&db, "http://localhost")
            .await
            .unwrap();
        // The service's own reply deadline job, as it runs at start, leaves the demo trust waiting.
        app::api::replies::record_missing_replies(&db, &store::today())
            .await
            .unwrap();
        let cycle = cycles::list(&db)
            .await
            .unwrap()
            .into_iter()
            .filter(|cycle| cycle.name == NAME)
            .collect::<Vec<_>>();
        assert_eq!(cycle.len(), 1, "seeded once");
        assert_eq!(cycle[0].phase, Phase::Moderation);
        let statuses: Vec<(String, AssessmentStatus)> =
            assessments::for_cycle(&db, &CycleId::from(&cycle[0].id))
                .await
                .unwrap()
                .into_iter()
                .map(|a| (a.trust_ods_code, a.status))
                .collect();
        assert!(statuses.len() > 10, "{statuses:?}");
        let count = |wanted| {
            statuses
                .iter()
                .filter(|(_, status)| *status == wanted)
                .count()
        };
        assert_eq!(count(AssessmentStatus::Moderated), MODERATED);
        assert_eq!(
            count(AssessmentStatus::Reviewed),
            1,
            "the demo trust's, to reply to"
        );
        assert!(statuses.contains(&("RR8".to_string(), AssessmentStatus::Reviewed)));
        assert_eq!(
            count(AssessmentStatus::Replied),
            statuses.len() - MODERATED - 1
        );
    }

    #[test]
    fn synthetic_levels_stay_on_the_scale_and_some_trusts_under_score() {
        let trusts = [
            "RR8", "RCB", "RAE", "RWY", "RXF", "RHQ", "RFF", "R0B", "RNN", "RTD",
        ];
        for trust in trusts {
            for domain in ["a", "b", "c"] {
                assert!((2..=4).contains(&true_level(trust, domain)));
                assert!((1..=true_level(trust, domain)).contains(&self_level(trust, domain)));
                for index in 0..3 {
                    assert!((1..=5).contains(&reviewer_level(index, trust, domain)));
                }
            }
        }
        assert!(trusts.iter().any(|trust| under_scores(trust)));
        assert!(!trusts.iter().all(|trust| under_scores(trust)));
    }
}

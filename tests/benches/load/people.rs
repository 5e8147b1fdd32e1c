//! Who takes part in a run, and what each works on: trust leads answering their own trust's
//! assessment in an open cycle, peer reviewers each reviewing another trust's assessment in a
//! cycle in peer review, moderators reading the demo's cycle in moderation side by side, an
//! administrator inviting people (each invitation is an email), and the public reading the demo's
//! published results. Everything is set up through the service's own store functions before the
//! servers start, so the reminder job finds the reviews due at its first run.

use app::rules::accounts::Role;
use app::rules::assignment::{AssignmentPlan, ProposedReview};
use app::rules::lifecycle::{AssessmentStatus, Event};
use app::store::{assessments, assignments, cycles, reviews};
use app::store::{AssessmentId, CycleId};
use e2e::fixtures::{AccountBuilder, AssessmentBuilder, CycleBuilder};
use e2e::requests::{cookieless_client, signed_in_client};
use e2e::TestServer;

/// What someone does, and on what.
#[derive(Clone, Debug)]
pub enum Part {
    /// Saves the domains of this assessment (their own trust's).
    Lead { assessment: String },
    /// Saves the domains of this review slot.
    Reviewer { slot: String },
    /// Reads these assessments' moderation pages.
    Moderator { assessments: Vec<String> },
    /// Invites people.
    Admin,
    /// Reads the results of this published cycle, for these trusts and ICBs.
    Public {
        cycle: String,
        trusts: Vec<String>,
        icbs: Vec<String>,
    },
}

/// One person of the run, before signing in.
pub struct Participant {
    pub email: Option<String>,
    pub part: Part,
}

/// How many of each: 40% leads, 30% reviewers, 10% moderators, 1 administrator per 50 and the
/// rest the public.
pub struct Mix {
    pub leads: usize,
    pub reviewers: usize,
    pub moderators: usize,
    pub admins: usize,
    pub public: usize,
}

impl Mix {
    pub fn of(sessions: usize) -> Mix {
        let leads = sessions * 4 / 10;
        let reviewers = sessions * 3 / 10;
        let moderators = (sessions / 10).max(1);
        let admins = sessions.div_ceil(50);
        let public = sessions.saturating_sub(leads + reviewers + moderators + admins);
        Mix {
            leads,
            reviewers,
            moderators,
            admins,
            public,
        }
    }
}

/// Sets up the cycles and accounts for `mix` on `service`'s database (no server needs to run yet).
pub async fn set_up(service: &TestServer, mix: &Mix) -> Vec<Participant> {
    let db = &service.state.db;
    // The demo's moderation cycle is moderated by the demo's moderator.
    server::commands::seed_demo_accounts(db)
        .await
        .expect("the demo accounts");
    server::demo_moderation::seed_demo_moderation_cycle(db, &service.base_url)
        .await
        .expect("the demo cycle in moderation");
    server::demo_results::seed_demo_published_results(db)
        .await
        .expect("the demo's published results");
    let mut people = Vec::new();

    let open = CycleBuilder::new()
        .name("Load: self-assessment")
        .open(service)
        .await;
    let open_assessments = assessments::for_cycle(db, &CycleId::from(&open))
        .await
        .unwrap();
    assert!(
        open_assessments.len() >= mix.leads,
        "{} leads but only {} acute trusts",
        mix.leads,
        open_assessments.len()
    );
    for assessment in &open_assessments[..mix.leads] {
        let email = format!("lead@{}.nhs.uk", assessment.trust_ods_code.to_lowercase());
        AccountBuilder::new(&email)
            .org(&assessment.trust_ods_code)
            .role(Role::TrustLead)
            .create(service)
            .await;
        people.push(Participant {
            email: Some(email),
            part: Part::Lead {
                assessment: assessment.id.clone(),
            },
        });
    }

    people.extend(reviewers(service, mix.reviewers).await);

    let moderation = demo_cycle(service, "moderation").await;
    let in_moderation: Vec<String> = assessments::for_cycle(db, &CycleId::from(&moderation))
        .await
        .unwrap()
        .into_iter()
        .filter(|assessment| {
            matches!(
                assessment.status,
                AssessmentStatus::Replied
                    | AssessmentStatus::Reviewed
                    | AssessmentStatus::Moderated
            )
        })
        .map(|assessment| assessment.id)
        .collect();
    assert!(
        !in_moderation.is_empty(),
        "the demo has assessments in moderation"
    );
    for number in 0..mix.moderators {
        let email = format!("moderator{number}@england.nhs.uk");
        AccountBuilder::new(&email)
            .role(Role::Moderator)
            .create(service)
            .await;
        let mut assessments = in_moderation.clone();
        assessments.rotate_left(number % in_moderation.len());
        people.push(Participant {
            email: Some(email),
            part: Part::Moderator { assessments },
        });
    }

    for number in 0..mix.admins {
        let email = format!("admin{number}@england.nhs.uk");
        AccountBuilder::new(&email)
            .role(Role::Admin)
            .create(service)
            .await;
        people.push(Participant {
            email: Some(email),
            part: Part::Admin,
        });
    }

    let published = demo_cycle(service, "results").await;
    let published_assessments = assessments::for_cycle(db, &CycleId::from(&published))
        .await
        .unwrap();
    let trusts: Vec<String> = published_assessments
        .iter()
        .map(|assessment| assessment.trust_ods_code.clone())
        .collect();
    let icbs: Vec<String> =
        app::store::organisations::current_ods_codes(db, app::rules::organisations::OrgKind::Icb)
            .await
            .unwrap()
            .into_iter()
            .collect();
    for number in 0..mix.public {
        let mut trusts = trusts.clone();
        let shift = number * 7 % trusts.len();
        trusts.rotate_left(shift);
        let mut icbs = icbs.clone();
        let shift = number % icbs.len();
        icbs.rotate_left(shift);
        people.push(Participant {
            email: None,
            part: Part::Public {
                cycle: published.clone(),
                trusts,
                icbs,
            },
        });
    }
    people
}

/// The id of the demo's cycle whose name contains `word`.
async fn demo_cycle(service: &TestServer, word: &str) -> String {
    cycles::list(&service.state.db)
        .await
        .unwrap()
        .into_iter()
        .find(|cycle| cycle.name.contains(word))
        .unwrap_or_else(|| panic!("a demo cycle named with {word:?}"))
        .id
}

/// A cycle in peer review whose first `count` acute assessments, answered and submitted, each
/// have a reviewer of their own from QOP. Its review deadline is 5 days away, so each reviewer is
/// due the seven-day reminder.
async fn reviewers(service: &TestServer, count: usize) -> Vec<Participant> {
    let db = &service.state.db;
    let cycle = CycleBuilder::new()
        .name("Load: peer review")
        .deadlines_from_days(-25)
        .in_peer_review(service)
        .await;
    let reviewed = assessments::for_cycle(db, &CycleId::from(&cycle))
        .await
        .unwrap();
    let mut plan = AssignmentPlan {
        assignments: Vec::new(),
        total_cost: 0,
        uncovered: Vec::new(),
        load: Vec::new(),
    };
    let mut chosen = Vec::with_capacity(count);
    for (number, assessment) in reviewed[..count].iter().enumerate() {
        AssessmentBuilder::new(&cycle, &assessment.trust_ods_code)
            .status(AssessmentStatus::Submitted)
            .answer_domains(..)
            .build(service)
            .await;
        let email = format!("reviewer{number}@qop.nhs.uk");
        let id = AccountBuilder::new(&email)
            .org("QOP")
            .role(Role::PeerReviewer)
            .create(service)
            .await;
        plan.assignments.push(ProposedReview {
            assessment_id: assessment.id.clone(),
            reviewer_id: id.clone(),
            cost: 0,
            reasons: Vec::new(),
        });
        chosen.push((email, id, assessment.id.clone()));
    }
    assignments::propose(db, "load", &CycleId::from(&cycle), &plan)
        .await
        .expect("the reviewers are proposed");
    let into_review: Vec<_> = chosen
        .iter()
        .map(|(_, _, assessment)| {
            (
                assessment.clone(),
                rules::fixtures::allowed(Event::ConfirmReviewers, AssessmentStatus::Submitted),
            )
        })
        .collect();
    assignments::confirm(
        db,
        "load",
        &CycleId::from(&cycle),
        &into_review,
        &[],
        |_| Ok(()),
    )
    .await
    .expect("the assignment is confirmed");
    let mut people = Vec::with_capacity(count);
    for (email, reviewer, assessment) in chosen {
        let slot = reviews::slots_of(db, &AssessmentId::from(&assessment))
            .await
            .unwrap()
            .into_iter()
            .find(|slot| slot.reviewer_id == reviewer)
            .expect("the reviewer's review")
            .id;
        people.push(Participant {
            email: Some(email),
            part: Part::Reviewer { slot },
        });
    }
    people
}

/// A client for each participant: signed in (with a code from their authenticator app where
/// their role needs one), or without cookies for the public.
pub async fn sign_in(service: &TestServer, people: &[Participant]) -> Vec<reqwest::Client> {
    let mut clients = Vec::with_capacity(people.len());
    for person in people {
        clients.push(match &person.email {
            Some(email) => signed_in_client(service, email, e2e::fixtures::PASSWORD).await,
            None => cookieless_client(),
        });
    }
    clients
}

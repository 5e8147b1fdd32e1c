//! The demo (DEMO=1): one account per role, a cycle open for self-assessment and one in peer
//! review, seeded at start, and the accounts printed.

use app::store::{AccountId, AssessmentId, CycleId};

/// One demo account per role, for trying the service. Never created unless DEMO=1.
pub struct DemoAccount {
    pub email: &'static str,
    pub role: app::rules::accounts::Role,
    pub password: String,
    /// The key of the authenticator app set up for a role that must sign in with one, so that a
    /// password printed in a log is never enough to take an NHS England role.
    pub authenticator_key: Option<String>,
}

/// Creates (or resets) the demo accounts with fresh random passwords, and fresh authenticator
/// keys for the NHS England roles.
pub async fn seed_demo_accounts(db: &app::store::Db) -> anyhow::Result<Vec<DemoAccount>> {
    use app::rules::accounts::Role;
    use app::store::accounts::{upsert_with_password, NewAccount};
    let people: [(&str, &str, Option<&str>, Role); 5] = [
        (
            "lead@demo.dma.invalid",
            "Demo Trust Lead",
            Some("RR8"),
            Role::TrustLead,
        ),
        (
            "reviewer@demo.dma.invalid",
            "Demo Peer Reviewer",
            Some("R0A"),
            Role::PeerReviewer,
        ),
        (
            "moderator@demo.dma.invalid",
            "Demo Moderator",
            None,
            Role::Moderator,
        ),
        (
            "approver@demo.dma.invalid",
            "Demo Approver",
            None,
            Role::Approver,
        ),
        (
            "admin@demo.dma.invalid",
            "Demo Administrator",
            None,
            Role::Admin,
        ),
    ];
    let mut accounts = Vec::new();
    for (email, name, org, role) in people {
        let password = app::api::credentials::new_link_secret()[..16].to_string();
        let hash = app::api::credentials::hash_password(password.clone())
            .await
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        let account = NewAccount {
            email: email.into(),
            display_name: name.into(),
            org_ods_code: org.map(Into::into),
            roles: vec![role],
        };
        let account_id = upsert_with_password(db, "demo", &account, &hash).await?;
        let authenticator_key = if app::rules::second_factor::required(&[role]) {
            let key = app::api::second_factor::new_authenticator_key();
            app::store::second_factor::enrol(db, &AccountId::from(&account_id), &key, 0, &[])
                .await?;
            Some(key)
        } else {
            None
        };
        accounts.push(DemoAccount {
            email,
            role,
            password,
            authenticator_key,
        });
    }
    Ok(accounts)
}

/// The demo's cycle: open for self-assessment from yesterday, with two months to go, so the demo
/// trust lead has assessments to fill in. Created once; later starts leave it as it is.
pub async fn seed_demo_cycle(db: &app::store::Db, public_url: &str) -> anyhow::Result<()> {
    use app::rules::cycles::CycleDates;
    use app::rules::organisations::CareSetting;
    use app::store::cycles::{self, NewCycle};
    const NAME: &str = "DMA 2026/27 (demo)";
    if cycles::list(db)
        .await?
        .iter()
        .any(|cycle| cycle.name == NAME)
    {
        return Ok(());
    }
    let day = app::store::date_in_days;
    let framework = app::store::frameworks::versions(db)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no framework is loaded"))?;
    let cycle = NewCycle {
        name: NAME.into(),
        framework_version: framework.version,
        dates: CycleDates {
            opens_on: day(-1),
            submission_deadline: day(60),
            review_deadline: day(90),
            moderation_deadline: day(120),
            publication_on: day(150),
        },
        care_settings: CareSetting::ALL
            .into_iter()
            .filter(|setting| *setting != CareSetting::Icb)
            .collect(),
        region_ods_codes: Vec::new(),
        reviewers_per_assessment: 2,
        reviewer_capacity: 3,
    };
    let id = cycles::create(db, "demo", &cycle, false).await?;
    let deadline = app::rules::cycles::readable_date(&cycle.dates.submission_deadline);
    let link = format!("{public_url}/assessments");
    let created = cycles::open(db, "demo", &CycleId::from(&id), |lead| {
        app::api::mail_text::CycleOpened {
            lead,
            cycle_name: NAME,
            deadline: &deadline,
            link: &link,
        }
        .mail()
    })
    .await?;
    println!("DEMO=1: opened the cycle {NAME} with {created} assessments.");
    Ok(())
}

/// A second demo cycle, already in peer review: the demo trust's acute assessment and another
/// trust's, answered, submitted and assigned to the demo reviewer, so the review journey can be
/// tried at once. Each step is judged by the lifecycle as the demo lead and administrator would
/// have taken it during self-assessment. Created once; later starts leave it as it is.
pub async fn seed_demo_review_cycle(db: &app::store::Db, public_url: &str) -> anyhow::Result<()> {
    use app::rules::accounts::Role;
    use app::rules::assignment::{AssignmentPlan, ProposedReview};
    use app::rules::cycles::{CycleDates, Phase};
    use app::rules::lifecycle::{decide, Event, Participant};
    use app::rules::organisations::CareSetting;
    use app::store::cycles::{self, NewCycle};
    use app::store::{assessments, assignments, frameworks};
    const NAME: &str = "DMA 2025/26 peer review (demo)";
    const TRUSTS: [&str; 2] = ["RR8", "R1K"];
    if cycles::list(db)
        .await?
        .iter()
        .any(|cycle| cycle.name == NAME)
    {
        return Ok(());
    }
    let day = app::store::date_in_days;
    let version = frameworks::versions(db)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no framework is loaded"))?
        .version;
    let new_cycle = NewCycle {
        name: NAME.into(),
        framework_version: version.clone(),
        dates: CycleDates {
            opens_on: day(-60),
            submission_deadline: day(-10),
            review_deadline: day(30),
            moderation_deadline: day(60),
            publication_on: day(90),
        },
        care_settings: vec![CareSetting::Acute],
        region_ods_codes: Vec::new(),
        reviewers_per_assessment: 1,
        reviewer_capacity: 3,
    };
    let id = cycles::create(db, "demo", &new_cycle, false).await?;
    let deadline = app::rules::cycles::readable_date(&new_cycle.dates.submission_deadline);
    let link = format!("{public_url}/assessments");
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
    let cycle = cycles::get(db, &CycleId::from(&id))
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo review cycle was just created"))?;
    let during_self_assessment = day(-20);
    let moment = cycle.moment(&during_self_assessment);
    let person = |role: Role, own: bool| Participant::Person {
        roles: vec![role],
        of_assessed_organisation: own,
        assigned_reviewer: false,
        moderated_it: false,
    };
    let judged = |event: Event, status, participant: &Participant| {
        decide(event, status, participant, &moment)
            .map_err(|refusal| anyhow::anyhow!("demo seeding: {}", refusal.message()))
    };
    let framework = frameworks::cached(db, &version)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the framework {version} is loaded"))?;
    let reviewer = app::store::accounts::find_for_sign_in(db, "reviewer@demo.dma.invalid")
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo reviewer exists"))?
        .account_id;
    let lead = person(Role::TrustLead, true);
    let mut plan = AssignmentPlan {
        assignments: Vec::new(),
        total_cost: 0,
        uncovered: Vec::new(),
        load: Vec::new(),
    };
    let mut into_review = Vec::new();
    for assessment in assessments::for_cycle(db, &CycleId::from(&id)).await? {
        if !TRUSTS.contains(&assessment.trust_ods_code.as_str()) {
            continue;
        }
        // Met up to level 2 or 3 in turn, with evidence for each criterion met.
        for (index, (_, domain)) in framework.domains_for(CareSetting::Acute).enumerate() {
            let met_up_to = 2 + (index % 2) as u8;
            let answers = crate::demo_moderation::answers(domain, met_up_to);
            let status = assessments::header(db, &AssessmentId::from(&assessment.id))
                .await?
                .map_or(assessment.status, |header| header.status);
            let allowed = judged(Event::Save, status, &lead)?;
            assessments::save_domain(
                db,
                "demo",
                &AssessmentId::from(&assessment.id),
                allowed,
                &domain.key,
                0,
                &answers,
                format!("demo answers, level {met_up_to}"),
            )
            .await
            .map_err(|error| anyhow::anyhow!("demo seeding: {error}"))?;
        }
        let allowed = judged(
            Event::Submit,
            app::rules::lifecycle::AssessmentStatus::InProgress,
            &lead,
        )?;
        assessments::submit(
            db,
            "demo",
            &AssessmentId::from(&assessment.id),
            allowed,
            "demo".into(),
            &[],
        )
        .await
        .map_err(|error| anyhow::anyhow!("demo seeding: {error}"))?;
        plan.assignments.push(ProposedReview {
            assessment_id: assessment.id.clone(),
            reviewer_id: reviewer.clone(),
            cost: 0,
            reasons: vec!["Demo".into()],
        });
        let allowed = judged(
            Event::ConfirmReviewers,
            app::rules::lifecycle::AssessmentStatus::Submitted,
            &person(Role::Admin, false),
        )?;
        into_review.push((assessment.id.clone(), allowed));
    }
    assignments::propose(db, "demo", &CycleId::from(&id), &plan)
        .await
        .map_err(|error| anyhow::anyhow!("demo seeding: {error}"))?;
    assignments::confirm(db, "demo", &CycleId::from(&id), &into_review, &[], |_| {
        Ok(())
    })
    .await
    .map_err(|error| anyhow::anyhow!("demo seeding: {error}"))?;
    cycles::change_phase(
        db,
        "demo",
        &CycleId::from(&id),
        Phase::Submission,
        Phase::PeerReview,
    )
    .await
    .map_err(|error| anyhow::anyhow!("demo seeding: {error}"))?;
    println!(
        "DEMO=1: {NAME} is in peer review: the demo reviewer has {} assessments to review.",
        into_review.len()
    );
    Ok(())
}

pub fn print_demo_accounts(accounts: &[DemoAccount]) {
    println!("\nDEMO=1: demo accounts (passwords and keys are new at every start; never use DEMO in a real deployment).");
    println!("NHS England roles also need a code: add the key to an authenticator app (or `oathtool --totp -b KEY`).");
    for account in accounts {
        let key = account
            .authenticator_key
            .as_deref()
            .map(|key| format!("  authenticator key: {key}"))
            .unwrap_or_default();
        println!(
            "  {:<15} {:<28} password: {}{key}",
            account.role.label(),
            account.email,
            account.password
        );
    }
    println!();
}

#[cfg(test)]
mod tests {
    use super::super::tests::config;
    use super::*;
    use app::rules::accounts::Role;
    use app::store::accounts;
    use app::store::{AccountId, CycleId};

    #[tokio::test]
    async fn demo_accounts_are_one_per_role_with_new_passwords_each_time() {
        let folder = tempfile::tempdir().unwrap();
        let db = crate::open_database(&config(folder.path()).database_url)
            .await
            .unwrap();
        let first = seed_demo_accounts(&db).await.unwrap();
        let second = seed_demo_accounts(&db).await.unwrap();
        let roles: Vec<Role> = first.iter().map(|account| account.role).collect();
        assert_eq!(roles, Role::ALL.to_vec());
        assert_eq!(
            accounts::list(&db, None, None).await.unwrap().len(),
            5,
            "seeding again reuses the accounts"
        );
        assert_ne!(first[0].password, second[0].password);
        // The NHS England roles have an authenticator set up, new each start, so the printed
        // password alone never signs anyone in to them; the others sign in with a password.
        for (first, second) in first.iter().zip(&second) {
            assert_eq!(
                second.authenticator_key.is_some(),
                app::rules::second_factor::required(&[second.role]),
                "{}",
                second.email
            );
            assert!(
                first.authenticator_key.is_none()
                    || first.authenticator_key != second.authenticator_key
            );
            let id = accounts::find_for_sign_in(&db, second.email)
                .await
                .unwrap()
                .unwrap()
                .account_id;
            let stored = app::store::second_factor::authenticator(&db, &AccountId::from(&id))
                .await
                .unwrap();
            assert_eq!(stored.map(|app| app.totp_secret), second.authenticator_key);
        }
        let record = accounts::find_for_sign_in(&db, first[0].email)
            .await
            .unwrap()
            .unwrap();
        assert!(app::api::credentials::verify_password(
            app::api::credentials::hashing_ticket().unwrap(),
            second[0].password.clone(),
            record.password_hash
        )
        .await
        .unwrap());
    }

    #[tokio::test]
    async fn the_demo_reviewer_has_reviews_waiting_in_a_cycle_in_peer_review_once() {
        use app::rules::cycles::Phase;
        use app::rules::lifecycle::AssessmentStatus;
        let folder = tempfile::tempdir().unwrap();
        let db = crate::open_database(&config(folder.path()).database_url)
            .await
            .unwrap();
        seed_demo_accounts(&db).await.unwrap();
        seed_demo_review_cycle(&db, "https://dma.test")
            .await
            .unwrap();
        seed_demo_review_cycle(&db, "https://dma.test")
            .await
            .unwrap();
        let cycles = app::store::cycles::list(&db).await.unwrap();
        assert_eq!(cycles.len(), 1, "seeded once");
        assert_eq!(cycles[0].phase, Phase::PeerReview);
        let reviewer = accounts::find_for_sign_in(&db, "reviewer@demo.dma.invalid")
            .await
            .unwrap()
            .unwrap()
            .account_id;
        let reviews = app::store::assignments::for_reviewer(&db, &AccountId::from(&reviewer))
            .await
            .unwrap();
        assert_eq!(reviews.len(), 2);
        let in_review: Vec<_> =
            app::store::assessments::for_cycle(&db, &CycleId::from(&cycles[0].id))
                .await
                .unwrap()
                .into_iter()
                .filter(|assessment| assessment.status == AssessmentStatus::InReview)
                .map(|assessment| assessment.trust_ods_code)
                .collect();
        assert_eq!(in_review, ["R1K", "RR8"]);
    }
}

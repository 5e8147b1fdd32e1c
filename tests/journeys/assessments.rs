//! Cycles and the self-assessment journey over HTTP: opening a cycle, saving answers (and
//! conflicting saves), submitting, reopening, deadlines and extensions.

use app::api::assessments::{GetAssessment, ReopenAssessment, SaveDomainAnswers, SubmitAssessment};
use app::api::cycles::{AdvanceCycle, CreateCycle, ExtendDeadline};
use app::rules::accounts::Role;
use app::rules::cycles::Phase;
use app::rules::lifecycle::AssessmentStatus;
use app::store;
use app::store::date_in_days;
use app::store::{AssessmentId, CycleId};
use e2e::fixtures::{acute_domains, answer_fields, AccountBuilder, CycleBuilder};
use e2e::requests::{page, pairs, post, Answer};
use e2e::start_server;
use leptos::server_fn::ServerFn;

fn admin_account() -> AccountBuilder {
    AccountBuilder::new("admin@england.nhs.uk").role(Role::Admin)
}

fn lead_account(email: &str, trust: &str) -> AccountBuilder {
    AccountBuilder::new(email).org(trust).role(Role::TrustLead)
}

#[tokio::test]
async fn an_admin_creates_and_opens_a_cycle_and_each_lead_is_emailed() {
    let server = start_server().await;
    let admin = admin_account().signed_in(&server).await;
    lead_account("lead@rr8.nhs.uk", "RR8").create(&server).await;
    // Opening today, the submission deadline `days` away, review, moderation and publication
    // in 60, 90 and 120 days.
    let form = |days: i64| {
        CycleBuilder::new()
            .opens_in_days(0)
            .submission_deadline_in_days(days)
            .form()
    };
    let body = post(&admin, &server, CreateCycle::PATH, &pairs(&form(-1)))
        .await
        .body;
    assert!(
        body.contains("submission-deadline") && body.contains("must be after the opening date"),
        "{body}"
    );
    assert!(
        store::cycles::list(&server.state.db)
            .await
            .unwrap()
            .is_empty(),
        "bad input stores nothing"
    );

    let Answer { status, body, .. } =
        post(&admin, &server, CreateCycle::PATH, &pairs(&form(30))).await;
    assert_eq!(status, 200, "{body}");
    let cycle = store::cycles::list(&server.state.db)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(cycle.phase, Phase::Setup);
    let body = post(&admin, &server, CreateCycle::PATH, &pairs(&form(30)))
        .await
        .body;
    assert!(body.contains("already a cycle called"), "{body}");

    let advance = |from: &'static str| [("cycle_id", cycle.id.as_str()), ("from_phase", from)];
    let Answer { status, body, .. } =
        post(&admin, &server, AdvanceCycle::PATH, &advance("setup")).await;
    assert_eq!(status, 200, "{body}");
    let assessments = store::assessments::for_cycle(&server.state.db, &CycleId::from(&cycle.id))
        .await
        .unwrap();
    let acute_trusts: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM trust_care_settings c JOIN org_snapshots s ON s.id = c.snapshot_id AND s.is_current = 1 WHERE c.care_setting = 'Acute'",
    )
    .fetch_one(&server.state.db.pool)
    .await
    .unwrap();
    assert_eq!(assessments.len() as i64, acute_trusts);
    assert!(
        acute_trusts > 100,
        "England has over 100 acute trusts, not {acute_trusts}"
    );
    let mail = server.wait_for_mail_to("lead@rr8.nhs.uk").await;
    assert!(
        mail.contains("is open for Leeds Teaching Hospitals NHS Trust"),
        "{mail}"
    );
    assert!(mail.contains("/assessments"), "{mail}");

    let body = post(&admin, &server, AdvanceCycle::PATH, &advance("setup"))
        .await
        .body;
    assert!(
        body.contains("has moved on"),
        "opening twice is refused: {body}"
    );
    let body = post(&admin, &server, AdvanceCycle::PATH, &advance("submission"))
        .await
        .body;
    assert!(
        body.contains("can only begin after the submission deadline"),
        "{body}"
    );
    let records = store::audit::recent(&server.state.db.pool, 5)
        .await
        .unwrap();
    assert!(records.iter().any(|r| r.action == "open cycle"));
}

#[tokio::test]
async fn a_lead_completes_and_submits_and_only_nhs_england_can_reopen() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    let assessment = server.acute_assessment(&cycle, "RR8").await;
    let lead = lead_account("lead@rr8.nhs.uk", "RR8")
        .signed_in(&server)
        .await;
    let outsider = lead_account("lead@r0a.nhs.uk", "R0A")
        .signed_in(&server)
        .await;
    let domains = acute_domains(&server).await;

    let body = post(
        &outsider,
        &server,
        SaveDomainAnswers::PATH,
        &pairs(&answer_fields(&assessment, &domains[0], 0, 3)),
    )
    .await
    .body;
    assert!(
        body.contains("Forbidden"),
        "another trust's lead is refused: {body}"
    );

    // Every domain at level 3 except the last, which is left for later.
    for domain in &domains[..domains.len() - 1] {
        let Answer { status, body, .. } = post(
            &lead,
            &server,
            SaveDomainAnswers::PATH,
            &pairs(&answer_fields(&assessment, domain, 0, 3)),
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", domain.key);
        assert!(
            body.contains("\"score\":3") && body.contains("\"Completed\""),
            "{body}"
        );
    }
    let declared = |declaration: &'static str| {
        let mut fields = vec![("assessment_id", assessment.as_str())];
        if !declaration.is_empty() {
            fields.push(("declaration", declaration));
        }
        fields
    };
    let body = post(
        &lead,
        &server,
        SubmitAssessment::PATH,
        &declared("confirmed"),
    )
    .await
    .body;
    let last = domains.last().unwrap();
    assert!(
        body.contains("Complete every section") && body.contains(&last.name),
        "{body}"
    );
    let body = post(
        &lead,
        &server,
        SaveDomainAnswers::PATH,
        &pairs(&answer_fields(&assessment, last, 0, 5)),
    )
    .await
    .body;
    assert!(body.contains("\"score\":5"), "{body}");

    let body = post(&lead, &server, GetAssessment::PATH, &[("id", &assessment)])
        .await
        .body;
    let overview: serde_json::Value = serde_json::from_str(&body).unwrap();
    let overall = overview["overall"].as_f64().unwrap();
    assert!(
        overall > 3.0 && overall < 5.0,
        "one domain at 5 lifts its pillar: {overall}"
    );

    let body = post(&lead, &server, SubmitAssessment::PATH, &declared(""))
        .await
        .body;
    assert!(
        body.contains("\"field\":\"declaration\""),
        "the declaration is needed: {body}"
    );
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::InProgress
    );
    let Answer { status, body, .. } = post(
        &lead,
        &server,
        SubmitAssessment::PATH,
        &declared("confirmed"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::Submitted
    );
    let receipt = server.wait_for_mail_to("lead@rr8.nhs.uk").await;
    assert!(
        receipt.contains("Subject: Submitted: Leeds Teaching Hospitals NHS Trust"),
        "{receipt}"
    );
    assert!(receipt.contains("Overall: "), "{receipt}");

    let body = post(
        &lead,
        &server,
        SaveDomainAnswers::PATH,
        &pairs(&answer_fields(&assessment, last, 1, 2)),
    )
    .await
    .body;
    assert!(
        body.contains("cannot be changed"),
        "read-only after submission: {body}"
    );

    let reopen =
        |reason: &'static str| [("assessment_id", assessment.as_str()), ("reason", reason)];
    let body = post(
        &lead,
        &server,
        ReopenAssessment::PATH,
        &reopen("I changed my mind"),
    )
    .await
    .body;
    assert!(body.contains("Forbidden"), "a lead cannot reopen: {body}");
    let moderator = AccountBuilder::new("moderator@england.nhs.uk")
        .role(Role::Moderator)
        .signed_in(&server)
        .await;
    let body = post(&moderator, &server, ReopenAssessment::PATH, &reopen("  "))
        .await
        .body;
    assert!(body.contains("\"field\":\"reason\""), "{body}");
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::Submitted
    );
    let Answer { status, body, .. } = post(
        &moderator,
        &server,
        ReopenAssessment::PATH,
        &reopen("Evidence for EPR coverage is missing"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::InProgress
    );
    // Refusals are audited too, beside their requests: the latest change is what counts here.
    let records: Vec<_> = store::audit::recent(&server.state.db.pool, 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|record| record.action != "refused")
        .collect();
    assert_eq!(records[0].action, "reopen assessment");
    assert_eq!(
        records[0].reason.as_deref(),
        Some("Evidence for EPR coverage is missing")
    );
}

#[tokio::test]
async fn a_save_from_an_old_version_changes_nothing_and_says_what_differs() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    let assessment = server.acute_assessment(&cycle, "RR8").await;
    let first = lead_account("first@rr8.nhs.uk", "RR8")
        .signed_in(&server)
        .await;
    let second = lead_account("second@rr8.nhs.uk", "RR8")
        .signed_in(&server)
        .await;
    let domain = &acute_domains(&server).await[0];

    let status = post(
        &first,
        &server,
        SaveDomainAnswers::PATH,
        &pairs(&answer_fields(&assessment, domain, 0, 4)),
    )
    .await
    .status;
    assert_eq!(status, 200);
    // The second lead opened the page at version 0 too.
    let Answer { status, body, .. } = post(
        &second,
        &server,
        SaveDomainAnswers::PATH,
        &pairs(&answer_fields(&assessment, domain, 0, 2)),
    )
    .await;
    assert_eq!(status, 500, "{body}");
    let error: serde_json::Value = serde_json::from_str(&body).unwrap();
    let conflict = &error["Conflict"];
    assert!(
        conflict["message"]
            .as_str()
            .unwrap()
            .starts_with("Test Trust lead saved this section"),
        "{body}"
    );
    assert_eq!(conflict["current_version"], 1);
    let level_three = &domain
        .levels
        .iter()
        .find(|l| l.level == 3)
        .unwrap()
        .criteria[0];
    let changes: Vec<&str> = conflict["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        changes.iter().any(
            |c| c.starts_with(&format!("\"{}\": saved as met", level_three.text))
                && c.ends_with("you entered not met")
        ),
        "{changes:?}"
    );
    let saved = store::assessments::domain(
        &server.state.db,
        &AssessmentId::from(&assessment),
        &domain.key,
    )
    .await
    .unwrap();
    assert_eq!(saved.version, 1);
    assert!(
        saved.answers[&level_three.key].is_met(),
        "the first save stands"
    );

    // Having seen the conflict, a deliberate save from the current version replaces it.
    let status = post(
        &second,
        &server,
        SaveDomainAnswers::PATH,
        &pairs(&answer_fields(&assessment, domain, 1, 2)),
    )
    .await
    .status;
    assert_eq!(status, 200);
    let saved = store::assessments::domain(
        &server.state.db,
        &AssessmentId::from(&assessment),
        &domain.key,
    )
    .await
    .unwrap();
    assert_eq!(saved.version, 2);
    assert_eq!(saved.answers[&level_three.key].met, Some(false));
}

#[tokio::test]
async fn bad_answers_get_a_clear_message_and_change_nothing() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    let assessment = server.acute_assessment(&cycle, "RR8").await;
    let lead = lead_account("lead@rr8.nhs.uk", "RR8")
        .signed_in(&server)
        .await;
    let domain = &acute_domains(&server).await[0];
    let mut fields = answer_fields(&assessment, domain, 0, 3);
    let criterion = &domain.levels[0].criteria[0].key;
    let evidence = fields
        .iter_mut()
        .find(|(k, _)| *k == format!("answers[{criterion}][evidence]"))
        .unwrap();
    evidence.1 = "   ".into();
    fields.push(("then".into(), "continue".into()));
    let Answer { status, body, .. } =
        post(&lead, &server, SaveDomainAnswers::PATH, &pairs(&fields)).await;
    assert!(body.contains("InvalidField"), "{status} {body}");
    assert!(
        body.contains(&format!("evidence-{criterion}")) && body.contains("Describe the evidence"),
        "{body}"
    );
    let saved = store::assessments::domain(
        &server.state.db,
        &AssessmentId::from(&assessment),
        &domain.key,
    )
    .await
    .unwrap();
    assert_eq!(saved.version, 0, "nothing was saved");
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::NotStarted
    );

    let mut fields = answer_fields(&assessment, domain, 0, 3);
    fields[1].1 = "no-such-domain".into();
    let body = post(&lead, &server, SaveDomainAnswers::PATH, &pairs(&fields))
        .await
        .body;
    assert!(
        body.contains("NotFound") && body.contains("no such section"),
        "{body}"
    );
}

#[tokio::test]
async fn past_the_deadline_answers_are_read_only_until_the_trust_gets_an_extension() {
    let server = start_server().await;
    let cycle = CycleBuilder::new()
        .deadlines_from_days(-1)
        .open(&server)
        .await;
    let assessment = server.acute_assessment(&cycle, "RR8").await;
    let lead = lead_account("lead@rr8.nhs.uk", "RR8")
        .signed_in(&server)
        .await;
    let domain = &acute_domains(&server).await[0];
    let body = post(
        &lead,
        &server,
        SaveDomainAnswers::PATH,
        &pairs(&answer_fields(&assessment, domain, 0, 3)),
    )
    .await
    .body;
    assert!(
        body.contains(&format!(
            "The deadline for this assessment was {}",
            date_in_days(-1)
        )),
        "{body}"
    );

    let admin = admin_account().signed_in(&server).await;
    let in_a_week = date_in_days(7);
    let extension = |trust: &'static str, reason: &'static str| {
        [
            ("cycle_id", cycle.as_str()),
            ("trust_ods_code", trust),
            ("deadline", in_a_week.as_str()),
            ("reason", reason),
        ]
    };
    let body = post(&admin, &server, ExtendDeadline::PATH, &extension("RR8", ""))
        .await
        .body;
    assert!(body.contains("extension-reason"), "{body}");
    let body = post(
        &admin,
        &server,
        ExtendDeadline::PATH,
        &extension("ZZZ", "Outage"),
    )
    .await
    .body;
    assert!(body.contains("trust-ods-code"), "{body}");
    let body = post(
        &lead,
        &server,
        ExtendDeadline::PATH,
        &extension("RR8", "Please"),
    )
    .await
    .body;
    assert!(
        body.contains("Forbidden"),
        "a lead cannot extend their own deadline: {body}"
    );
    let Answer { status, body, .. } = post(
        &admin,
        &server,
        ExtendDeadline::PATH,
        &extension("rr8", "Cyber incident in January"),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let Answer { status, body, .. } = post(
        &lead,
        &server,
        SaveDomainAnswers::PATH,
        &pairs(&answer_fields(&assessment, domain, 0, 3)),
    )
    .await;
    assert_eq!(status, 200, "the extension reopens saving: {body}");
    let other = server.acute_assessment(&cycle, "R1K").await;
    let other_lead = lead_account("lead@r1k.nhs.uk", "R1K")
        .signed_in(&server)
        .await;
    let body = post(
        &other_lead,
        &server,
        SaveDomainAnswers::PATH,
        &pairs(&answer_fields(&other, domain, 0, 3)),
    )
    .await
    .body;
    assert!(
        body.contains("The deadline for this assessment was"),
        "other trusts stay closed: {body}"
    );
    // Refused saves are audited too, beside their requests, so look past them.
    let record = &store::audit::recent(&server.state.db.pool, 50)
        .await
        .unwrap();
    assert!(record
        .iter()
        .any(|r| r.action == "extend submission deadline"
            && r.reason.as_deref() == Some("Cyber incident in January")));
}

#[tokio::test]
async fn every_page_of_the_journey_renders_whole_on_the_server() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    let assessment = server.acute_assessment(&cycle, "RR8").await;
    let admin = admin_account().signed_in(&server).await;
    let lead = lead_account("lead@rr8.nhs.uk", "RR8")
        .signed_in(&server)
        .await;
    let outsider = lead_account("lead@r0a.nhs.uk", "R0A")
        .signed_in(&server)
        .await;
    let expectations: [(&reqwest::Client, String, &str); 7] = [
        (&admin, "/admin/cycles".into(), "DMA 2026/27"),
        (
            &admin,
            "/admin/cycles/new".into(),
            "Digital maturity framework 2026/27 (version 2026.1)",
        ),
        (
            &admin,
            format!("/admin/cycles/{cycle}"),
            "Peer review can only begin after the submission deadline",
        ),
        (
            &lead,
            "/assessments".into(),
            "Leeds Teaching Hospitals NHS Trust – Acute",
        ),
        (
            &lead,
            format!("/assessments/{assessment}"),
            "You have completed 0 of",
        ),
        (
            &lead,
            format!("/assessments/{assessment}/domains/digital-strategy"),
            "Level 2: Strategy in development",
        ),
        (
            &lead,
            format!("/assessments/{assessment}/check"),
            "Every criterion needs an answer before you can submit",
        ),
    ];
    for (client, path, text) in expectations {
        let (status, body) = page(client, &server, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.contains(text), "{path} shows {text:?}");
    }
    let (status, body) = page(&lead, &server, "/admin/cycles").await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = page(&outsider, &server, &format!("/assessments/{assessment}")).await;
    assert_eq!(status, 403, "another trust's lead cannot read it");
    let (status, _) = page(&lead, &server, "/assessments/no-such-assessment").await;
    assert_eq!(status, 404);
}

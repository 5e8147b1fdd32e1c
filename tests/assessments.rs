//! Cycles and the self-assessment journey over HTTP: opening a cycle, saving answers (and
//! conflicting saves), submitting, reopening, deadlines and extensions.

use app::api::assessments::{GetAssessment, ReopenAssessment, SaveDomainAnswers, SubmitAssessment};
use app::api::cycles::{AdvanceCycle, CreateCycle, ExtendDeadline};
use app::rules::accounts::Role;
use app::rules::cycles::Phase;
use app::rules::framework::Domain;
use app::rules::lifecycle::AssessmentStatus;
use app::rules::organisations::CareSetting;
use app::store;
use app::store::date_in_days;
use e2e::{answer_fields, call, start_server, TestServer};
use leptos::server_fn::ServerFn;

const PASSWORD: &str = "coffee lantern meadow bicycle";

/// The domains an acute assessment answers, from the bundled framework.
async fn acute_domains(server: &TestServer) -> Vec<Domain> {
    store::frameworks::cached(&server.state.db, "2026.1")
        .await
        .unwrap()
        .expect("the bundled framework is loaded")
        .domains_for(CareSetting::Acute)
        .map(|(_, domain)| domain.clone())
        .collect()
}

async fn post(
    client: &reqwest::Client,
    server: &TestServer,
    path: &str,
    fields: &[(String, String)],
) -> (u16, String) {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    call(client, &server.function_url(path), &pairs).await
}

async fn status_of(server: &TestServer, assessment: &str) -> AssessmentStatus {
    store::assessments::header(&server.state.db, assessment)
        .await
        .unwrap()
        .unwrap()
        .status
}

#[tokio::test]
async fn an_admin_creates_and_opens_a_cycle_and_each_lead_is_emailed() {
    let server = start_server().await;
    let admin = server
        .signed_in_client("admin@england.nhs.uk", None, &[Role::Admin])
        .await;
    server
        .create_account("lead@rr8.nhs.uk", Some("RR8"), &[Role::TrustLead], PASSWORD)
        .await;
    let form = |submission_deadline: String| {
        vec![
            ("name", "DMA 2026/27".to_string()),
            ("framework_version", "2026.1".into()),
            ("opens_on", date_in_days(0)),
            ("submission_deadline", submission_deadline),
            ("review_deadline", date_in_days(60)),
            ("moderation_deadline", date_in_days(90)),
            ("publication_on", date_in_days(120)),
            ("acute", "on".into()),
            ("regions", String::new()),
            ("reviewers_per_assessment", "2".into()),
            ("reviewer_capacity", "3".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect::<Vec<_>>()
    };
    let (_, body) = post(&admin, &server, CreateCycle::PATH, &form(date_in_days(-1))).await;
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

    let (status, body) = post(&admin, &server, CreateCycle::PATH, &form(date_in_days(30))).await;
    assert_eq!(status, 200, "{body}");
    let cycle = store::cycles::list(&server.state.db)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(cycle.phase, Phase::Setup);
    let (_, body) = post(&admin, &server, CreateCycle::PATH, &form(date_in_days(30))).await;
    assert!(body.contains("already a cycle called"), "{body}");

    let advance = |from: &str| {
        vec![
            ("cycle_id".to_string(), cycle.id.clone()),
            ("from_phase".to_string(), from.to_string()),
        ]
    };
    let (status, body) = post(&admin, &server, AdvanceCycle::PATH, &advance("setup")).await;
    assert_eq!(status, 200, "{body}");
    let assessments = store::assessments::for_cycle(&server.state.db, &cycle.id)
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

    let (_, body) = post(&admin, &server, AdvanceCycle::PATH, &advance("setup")).await;
    assert!(
        body.contains("has moved on"),
        "opening twice is refused: {body}"
    );
    let (_, body) = post(&admin, &server, AdvanceCycle::PATH, &advance("submission")).await;
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
    let cycle = server.open_acute_cycle("DMA 2026/27", 30).await;
    let assessment = server.acute_assessment(&cycle, "RR8").await;
    let lead = server
        .signed_in_client("lead@rr8.nhs.uk", Some("RR8"), &[Role::TrustLead])
        .await;
    let outsider = server
        .signed_in_client("lead@r0a.nhs.uk", Some("R0A"), &[Role::TrustLead])
        .await;
    let domains = acute_domains(&server).await;

    let (_, body) = post(
        &outsider,
        &server,
        SaveDomainAnswers::PATH,
        &answer_fields(&assessment, &domains[0], 0, 3),
    )
    .await;
    assert!(
        body.contains("Forbidden"),
        "another trust's lead is refused: {body}"
    );

    // Every domain at level 3 except the last, which is left for later.
    for domain in &domains[..domains.len() - 1] {
        let (status, body) = post(
            &lead,
            &server,
            SaveDomainAnswers::PATH,
            &answer_fields(&assessment, domain, 0, 3),
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", domain.key);
        assert!(
            body.contains("\"score\":3") && body.contains("\"Completed\""),
            "{body}"
        );
    }
    let declared = |declaration: &str| {
        let mut fields = vec![("assessment_id".to_string(), assessment.clone())];
        if !declaration.is_empty() {
            fields.push(("declaration".to_string(), declaration.to_string()));
        }
        fields
    };
    let (_, body) = post(
        &lead,
        &server,
        SubmitAssessment::PATH,
        &declared("confirmed"),
    )
    .await;
    let last = domains.last().unwrap();
    assert!(
        body.contains("Complete every section") && body.contains(&last.name),
        "{body}"
    );
    let (_, body) = post(
        &lead,
        &server,
        SaveDomainAnswers::PATH,
        &answer_fields(&assessment, last, 0, 5),
    )
    .await;
    assert!(body.contains("\"score\":5"), "{body}");

    let (_, body) = post(
        &lead,
        &server,
        GetAssessment::PATH,
        &[("id".to_string(), assessment.clone())],
    )
    .await;
    let overview: serde_json::Value = serde_json::from_str(&body).unwrap();
    let overall = overview["overall"].as_f64().unwrap();
    assert!(
        overall > 3.0 && overall < 5.0,
        "one domain at 5 lifts its pillar: {overall}"
    );

    let (_, body) = post(&lead, &server, SubmitAssessment::PATH, &declared("")).await;
    assert!(
        body.contains("\"field\":\"declaration\""),
        "the declaration is needed: {body}"
    );
    assert_eq!(
        status_of(&server, &assessment).await,
        AssessmentStatus::InProgress
    );
    let (status, body) = post(
        &lead,
        &server,
        SubmitAssessment::PATH,
        &declared("confirmed"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        status_of(&server, &assessment).await,
        AssessmentStatus::Submitted
    );
    let receipt = server.wait_for_mail_to("lead@rr8.nhs.uk").await;
    assert!(
        receipt.contains("Subject: Submitted: Leeds Teaching Hospitals NHS Trust"),
        "{receipt}"
    );
    assert!(receipt.contains("Overall: "), "{receipt}");

    let (_, body) = post(
        &lead,
        &server,
        SaveDomainAnswers::PATH,
        &answer_fields(&assessment, last, 1, 2),
    )
    .await;
    assert!(
        body.contains("cannot be changed"),
        "read-only after submission: {body}"
    );

    let reopen = |reason: &str| {
        vec![
            ("assessment_id".to_string(), assessment.clone()),
            ("reason".to_string(), reason.to_string()),
        ]
    };
    let (_, body) = post(
        &lead,
        &server,
        ReopenAssessment::PATH,
        &reopen("I changed my mind"),
    )
    .await;
    assert!(body.contains("Forbidden"), "a lead cannot reopen: {body}");
    let moderator = server
        .signed_in_client("moderator@england.nhs.uk", None, &[Role::Moderator])
        .await;
    let (_, body) = post(&moderator, &server, ReopenAssessment::PATH, &reopen("  ")).await;
    assert!(body.contains("\"field\":\"reason\""), "{body}");
    assert_eq!(
        status_of(&server, &assessment).await,
        AssessmentStatus::Submitted
    );
    let (status, body) = post(
        &moderator,
        &server,
        ReopenAssessment::PATH,
        &reopen("Evidence for EPR coverage is missing"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        status_of(&server, &assessment).await,
        AssessmentStatus::InProgress
    );
    let records = store::audit::recent(&server.state.db.pool, 1)
        .await
        .unwrap();
    assert_eq!(records[0].action, "reopen assessment");
    assert_eq!(
        records[0].reason.as_deref(),
        Some("Evidence for EPR coverage is missing")
    );
}

#[tokio::test]
async fn a_save_from_an_old_version_changes_nothing_and_says_what_differs() {
    let server = start_server().await;
    let cycle = server.open_acute_cycle("DMA 2026/27", 30).await;
    let assessment = server.acute_assessment(&cycle, "RR8").await;
    let first = server
        .signed_in_client("first@rr8.nhs.uk", Some("RR8"), &[Role::TrustLead])
        .await;
    let second = server
        .signed_in_client("second@rr8.nhs.uk", Some("RR8"), &[Role::TrustLead])
        .await;
    let domain = &acute_domains(&server).await[0];

    let (status, _) = post(
        &first,
        &server,
        SaveDomainAnswers::PATH,
        &answer_fields(&assessment, domain, 0, 4),
    )
    .await;
    assert_eq!(status, 200);
    // The second lead opened the page at version 0 too.
    let (status, body) = post(
        &second,
        &server,
        SaveDomainAnswers::PATH,
        &answer_fields(&assessment, domain, 0, 2),
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
    let saved = store::assessments::domain(&server.state.db, &assessment, &domain.key)
        .await
        .unwrap();
    assert_eq!(saved.version, 1);
    assert!(
        saved.answers[&level_three.key].is_met(),
        "the first save stands"
    );

    // Having seen the conflict, a deliberate save from the current version replaces it.
    let (status, _) = post(
        &second,
        &server,
        SaveDomainAnswers::PATH,
        &answer_fields(&assessment, domain, 1, 2),
    )
    .await;
    assert_eq!(status, 200);
    let saved = store::assessments::domain(&server.state.db, &assessment, &domain.key)
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    assert_eq!(saved.answers[&level_three.key].met, Some(false));
}

#[tokio::test]
async fn bad_answers_get_a_clear_message_and_change_nothing() {
    let server = start_server().await;
    let cycle = server.open_acute_cycle("DMA 2026/27", 30).await;
    let assessment = server.acute_assessment(&cycle, "RR8").await;
    let lead = server
        .signed_in_client("lead@rr8.nhs.uk", Some("RR8"), &[Role::TrustLead])
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
    let (status, body) = post(&lead, &server, SaveDomainAnswers::PATH, &fields).await;
    assert!(body.contains("InvalidField"), "{status} {body}");
    assert!(
        body.contains(&format!("evidence-{criterion}")) && body.contains("Describe the evidence"),
        "{body}"
    );
    let saved = store::assessments::domain(&server.state.db, &assessment, &domain.key)
        .await
        .unwrap();
    assert_eq!(saved.version, 0, "nothing was saved");
    assert_eq!(
        status_of(&server, &assessment).await,
        AssessmentStatus::NotStarted
    );

    let mut fields = answer_fields(&assessment, domain, 0, 3);
    fields[1].1 = "no-such-domain".into();
    let (_, body) = post(&lead, &server, SaveDomainAnswers::PATH, &fields).await;
    assert!(
        body.contains("NotFound") && body.contains("no such section"),
        "{body}"
    );
}

#[tokio::test]
async fn past_the_deadline_answers_are_read_only_until_the_trust_gets_an_extension() {
    let server = start_server().await;
    let cycle = server.open_acute_cycle("DMA 2026/27", -1).await;
    let assessment = server.acute_assessment(&cycle, "RR8").await;
    let lead = server
        .signed_in_client("lead@rr8.nhs.uk", Some("RR8"), &[Role::TrustLead])
        .await;
    let domain = &acute_domains(&server).await[0];
    let (_, body) = post(
        &lead,
        &server,
        SaveDomainAnswers::PATH,
        &answer_fields(&assessment, domain, 0, 3),
    )
    .await;
    assert!(
        body.contains(&format!(
            "The deadline for this assessment was {}",
            date_in_days(-1)
        )),
        "{body}"
    );

    let admin = server
        .signed_in_client("admin@england.nhs.uk", None, &[Role::Admin])
        .await;
    let extension = |trust: &str, deadline: String, reason: &str| {
        vec![
            ("cycle_id".to_string(), cycle.clone()),
            ("trust_ods_code".to_string(), trust.to_string()),
            ("deadline".to_string(), deadline),
            ("reason".to_string(), reason.to_string()),
        ]
    };
    let (_, body) = post(
        &admin,
        &server,
        ExtendDeadline::PATH,
        &extension("RR8", date_in_days(7), ""),
    )
    .await;
    assert!(body.contains("extension-reason"), "{body}");
    let (_, body) = post(
        &admin,
        &server,
        ExtendDeadline::PATH,
        &extension("ZZZ", date_in_days(7), "Outage"),
    )
    .await;
    assert!(body.contains("trust-ods-code"), "{body}");
    let (_, body) = post(
        &lead,
        &server,
        ExtendDeadline::PATH,
        &extension("RR8", date_in_days(7), "Please"),
    )
    .await;
    assert!(
        body.contains("Forbidden"),
        "a lead cannot extend their own deadline: {body}"
    );
    let (status, body) = post(
        &admin,
        &server,
        ExtendDeadline::PATH,
        &extension("rr8", date_in_days(7), "Cyber incident in January"),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = post(
        &lead,
        &server,
        SaveDomainAnswers::PATH,
        &answer_fields(&assessment, domain, 0, 3),
    )
    .await;
    assert_eq!(status, 200, "the extension reopens saving: {body}");
    let other = server.acute_assessment(&cycle, "R1K").await;
    let other_lead = server
        .signed_in_client("lead@r1k.nhs.uk", Some("R1K"), &[Role::TrustLead])
        .await;
    let (_, body) = post(
        &other_lead,
        &server,
        SaveDomainAnswers::PATH,
        &answer_fields(&other, domain, 0, 3),
    )
    .await;
    assert!(
        body.contains("The deadline for this assessment was"),
        "other trusts stay closed: {body}"
    );
    let record = &store::audit::recent(&server.state.db.pool, 5)
        .await
        .unwrap();
    assert!(record
        .iter()
        .any(|r| r.action == "extend submission deadline"
            && r.reason.as_deref() == Some("Cyber incident in January")));
}

async fn page(client: &reqwest::Client, server: &TestServer, path: &str) -> (u16, String) {
    let response = client
        .get(format!("{}{path}", server.base_url))
        .send()
        .await
        .expect("the server answers");
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn every_page_of_the_journey_renders_whole_on_the_server() {
    let server = start_server().await;
    let cycle = server.open_acute_cycle("DMA 2026/27", 30).await;
    let assessment = server.acute_assessment(&cycle, "RR8").await;
    let admin = server
        .signed_in_client("admin@england.nhs.uk", None, &[Role::Admin])
        .await;
    let lead = server
        .signed_in_client("lead@rr8.nhs.uk", Some("RR8"), &[Role::TrustLead])
        .await;
    let outsider = server
        .signed_in_client("lead@r0a.nhs.uk", Some("R0A"), &[Role::TrustLead])
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

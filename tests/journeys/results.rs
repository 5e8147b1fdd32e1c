//! Release and publication over HTTP: leaving assessments out, the provisional release and its
//! queries, publication as version 1, a correction as version 2, the public results pages and
//! their downloads, and NHS England's full data file.

use app::api::provisional::*;
use app::api::release::*;
use app::rules::accounts::Role;
use app::rules::cycles::Phase;
use app::rules::lifecycle::AssessmentStatus;
use app::rules::organisations::CareSetting;
use app::store::{self, published::PublishedAssessment};
use app::store::{AssessmentId, CycleId};
use e2e::fixtures::{acute_domains, moderate_and_sign_off, signed_off, AccountBuilder};
use e2e::requests::{cookieless_client, page, post, Answer};
use e2e::{start_server, TestServer};
use leptos::server_fn::ServerFn;

const ACTOR: &str = "tests";

/// Lets the query window close: it ended yesterday.
pub(crate) async fn close_queries(server: &TestServer, cycle: &str) {
    sqlx::query("UPDATE provisional_releases SET queries_close_on = $1 WHERE cycle_id = $2")
        .bind(store::date_in_days(-1))
        .bind(cycle)
        .execute(&server.state.db.pool)
        .await
        .unwrap();
}

/// An administrator, RR8's trust lead and a moderator, each signed in.
async fn signed_in_admin_lead_and_moderator(
    server: &TestServer,
) -> (reqwest::Client, reqwest::Client, reqwest::Client) {
    let admin = AccountBuilder::new("admin@england.nhs.uk").role(Role::Admin);
    let lead = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead);
    let moderator = AccountBuilder::new("moderator@england.nhs.uk").role(Role::Moderator);
    (
        admin.signed_in(server).await,
        lead.signed_in(server).await,
        moderator.signed_in(server).await,
    )
}

/// Last year's cycle, to import published results into.
fn earlier_cycle(care_settings: Vec<CareSetting>) -> store::cycles::NewCycle {
    let day = || "2025-06-30".to_string();
    store::cycles::NewCycle {
        name: "DMA 2025/26".into(),
        framework_version: e2e::fixtures::FRAMEWORK_VERSION.into(),
        dates: app::rules::cycles::CycleDates {
            opens_on: day(),
            submission_deadline: day(),
            review_deadline: day(),
            moderation_deadline: day(),
            publication_on: day(),
        },
        care_settings,
        region_ods_codes: Vec::new(),
        reviewers_per_assessment: 0,
        reviewer_capacity: 0,
    }
}

async fn status(server: &TestServer, assessment: &str) -> AssessmentStatus {
    server.assessment_status(assessment).await
}

#[tokio::test]
async fn results_are_released_queried_published_corrected_and_read_by_the_public() {
    let server = start_server().await;
    let (cycle, assessment) = signed_off(&server, false).await;
    let db = &server.state.db;
    // Last year's published results, to compare with.
    let earlier = earlier_cycle(vec![CareSetting::Acute]);
    let framework = store::frameworks::cached(db, e2e::fixtures::FRAMEWORK_VERSION)
        .await
        .unwrap()
        .unwrap();
    let pillars: Vec<(String, i64)> = framework
        .pillars
        .iter()
        .map(|p| (p.key.clone(), 150))
        .collect();
    store::published::import_historical_cycle(
        db,
        ACTOR,
        &earlier,
        &[PublishedAssessment {
            trust_ods_code: "RR8".into(),
            care_setting: CareSetting::Acute,
            overall: 150,
            pillars,
            domains: Vec::new(),
        }],
        "results-2025.csv",
    )
    .await
    .unwrap();

    let (admin, lead, moderator) = signed_in_admin_lead_and_moderator(&server).await;

    // Not everything is signed off: nothing is released.
    let Answer { body, .. } = post(
        &admin,
        &server,
        ReleaseProvisionally::PATH,
        &[("cycle_id", &cycle), ("working_days", "5")],
    )
    .await;
    assert!(body.contains("are not signed off yet"), "{body}");
    assert_eq!(
        status(&server, &assessment).await,
        AssessmentStatus::SignedOff
    );

    // Leaving one out needs a reason; the rest are left out through the store.
    let others: Vec<String> = store::assessments::for_cycle(db, &CycleId::from(&cycle))
        .await
        .unwrap()
        .into_iter()
        .map(|header| header.id)
        .filter(|id| *id != assessment)
        .collect();
    assert!(!others.is_empty());
    let Answer { body, .. } = post(
        &admin,
        &server,
        ExcludeFromResults::PATH,
        &[("assessment_id", &others[0]), ("reason", "  ")],
    )
    .await;
    assert!(
        body.contains("Enter why this assessment is left out"),
        "{body}"
    );
    assert!(store::results::exclusions(db, &CycleId::from(&cycle))
        .await
        .unwrap()
        .is_empty());
    let Answer { status: code, .. } = post(
        &admin,
        &server,
        ExcludeFromResults::PATH,
        &[
            ("assessment_id", &others[0]),
            ("reason", "The trust merged in March"),
        ],
    )
    .await;
    assert!(code < 400);
    for other in &others[1..] {
        store::results::exclude(db, ACTOR, &AssessmentId::from(other), "Not in this test")
            .await
            .unwrap();
    }

    // A bad number of working days changes nothing.
    let Answer { body, .. } = post(
        &admin,
        &server,
        ReleaseProvisionally::PATH,
        &[("cycle_id", &cycle), ("working_days", "40")],
    )
    .await;
    assert!(body.contains("from 1 to 20"), "{body}");
    assert_eq!(
        status(&server, &assessment).await,
        AssessmentStatus::SignedOff
    );
    post(
        &admin,
        &server,
        ReleaseProvisionally::PATH,
        &[("cycle_id", &cycle), ("working_days", "5")],
    )
    .await;
    assert_eq!(
        status(&server, &assessment).await,
        AssessmentStatus::ProvisionallyReleased
    );
    let mail = server.wait_for_mail_to("lead@rr8.nhs.uk").await;
    assert!(mail.contains("Provisional results"), "{mail}");

    // The trust reads why each score is what it is, and queries one.
    let (code, body) = page(
        &lead,
        &server,
        &format!("/assessments/{assessment}/results"),
    )
    .await;
    assert_eq!(code, 200);
    for expected in [
        "Final scores",
        "Reviewer 1",
        "Accepted the reviewers' adjustments.",
        "Set level 1 where the trust had 2.",
        "The strategy is a draft, as the reviewer found",
        "Query this score",
    ] {
        assert!(
            body.contains(expected),
            "{expected} is missing from the final scores page"
        );
    }
    assert!(!body.contains("reviewer@r0a.nhs.uk") && !body.contains("Test Peer reviewer"));
    let domains = acute_domains(&server).await;
    let query = [
        ("assessment_id", assessment.as_str()),
        ("domain_key", domains[0].key.as_str()),
        (
            "question",
            "The board approved the strategy in March; see the minutes.",
        ),
    ];
    post(&lead, &server, RaiseQuery::PATH, &query).await;
    let Answer { body, .. } = post(&lead, &server, RaiseQuery::PATH, &query).await;
    assert!(body.contains("already raised a query"), "{body}");
    let other_lead = AccountBuilder::new("lead@r0a.nhs.uk")
        .org("R0A")
        .role(Role::TrustLead)
        .signed_in(&server)
        .await;
    let (code, _) = page(
        &other_lead,
        &server,
        &format!("/assessments/{assessment}/results"),
    )
    .await;
    assert_eq!(code, 403, "another trust's lead cannot read these scores");

    // Publication waits for the window to close and every query to be answered.
    let publish = [("cycle_id", cycle.as_str()), ("note", "")];
    let Answer { body, .. } = post(&admin, &server, PublishResults::PATH, &publish).await;
    assert!(body.contains("may query their scores until"), "{body}");
    close_queries(&server, &cycle).await;
    let Answer { body, .. } = post(&admin, &server, PublishResults::PATH, &publish).await;
    assert!(body.contains("1 queries are not answered yet"), "{body}");
    let open = store::results::queries_for(db, &AssessmentId::from(&assessment))
        .await
        .unwrap();
    post(
        &moderator,
        &server,
        AnswerQuery::PATH,
        &[
            ("query_id", open[0].id.as_str()),
            (
                "answer",
                "The minutes record a discussion, not an approval.",
            ),
            ("reopen", "no"),
        ],
    )
    .await;
    let (_, body) = page(
        &lead,
        &server,
        &format!("/assessments/{assessment}/results"),
    )
    .await;
    assert!(
        body.contains("Not upheld. The minutes record a discussion"),
        "{body}"
    );
    post(
        &admin,
        &server,
        PublishResults::PATH,
        &[("cycle_id", &cycle), ("note", ""), ("self_scores", "yes")],
    )
    .await;
    assert_eq!(
        status(&server, &assessment).await,
        AssessmentStatus::Published
    );
    assert_eq!(
        store::cycles::get(db, &CycleId::from(&cycle))
            .await
            .unwrap()
            .unwrap()
            .phase,
        Phase::Published
    );

    // The public reads it without signing in; the page says which version it shows.
    let public = cookieless_client();
    let (code, body) = page(&public, &server, "/results").await;
    assert_eq!(code, 200);
    let newest = body.find("DMA 2026/27").expect("this cycle is listed");
    let oldest = body
        .find("DMA 2025/26")
        .expect("the imported cycle is listed");
    assert!(newest < oldest, "newest first: {body}");
    let (code, body) = page(&public, &server, &format!("/results/{cycle}")).await;
    assert_eq!(code, 200);
    for expected in [
        "Version 1 of these results",
        "Covers 1 assessments of 1 trusts",
        "West Yorkshire",
        "Change since DMA 2025/26",
        "How the scores are worked out",
    ] {
        assert!(body.contains(expected), "{expected}: {body}");
    }
    let (_, body) = page(
        &public,
        &server,
        &format!("/results/{cycle}?care_setting=Community"),
    )
    .await;
    assert!(
        body.contains("No assessments match these filters"),
        "{body}"
    );
    let (_, body) = page(
        &public,
        &server,
        &format!("/results/{cycle}/trusts?sort=name"),
    )
    .await;
    assert!(body.contains("Leeds Teaching Hospitals") && body.contains("Self-assessed overall"));
    assert!(body.contains("up "), "year on year against 1.50: {body}");
    let (code, body) = page(&public, &server, &format!("/results/{cycle}/trusts/RR8")).await;
    assert_eq!(code, 200);
    assert!(
        body.contains("<svg") && body.contains("each section&#x27;s level")
            || body.contains("each section's level"),
        "{body}"
    );
    let (code, _) = page(&public, &server, &format!("/results/{cycle}/trusts/XXX")).await;
    assert_eq!(code, 404);

    // Downloads carry the version in their name and the definitions in their notes.
    let response = public
        .get(format!("{}/results/{cycle}/trusts.csv", server.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains("dma-2026-27-trusts-v1.csv"),
        "{disposition}"
    );
    let csv = response.text().await.unwrap();
    assert!(csv.starts_with("ODS code,Trust,Care setting"), "{csv}");
    assert!(
        csv.contains("RR8,") && csv.contains("\nEngland,") && csv.contains("A pillar's score"),
        "{csv}"
    );
    let xlsx = public
        .get(format!("{}/results/{cycle}/ics.xlsx", server.base_url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(xlsx.starts_with(b"PK"), "a zip container, as .xlsx is");
    let regions = public
        .get(format!(
            "{}/results/{cycle}/regions.csv?version=1",
            server.base_url
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        regions.starts_with("Region code,Region,Assessments,Trusts,Overall"),
        "{regions}"
    );
    assert!(
        regions.contains("North East and Yorkshire,1,1,"),
        "{regions}"
    );

    // NHS England's full data file names reviewers; the anonymised one does not.
    let data = format!("{}/admin/cycles/{cycle}/results/data.csv", server.base_url);
    assert_eq!(public.get(&data).send().await.unwrap().status(), 401);
    assert_eq!(lead.get(&data).send().await.unwrap().status(), 403);
    let named = moderator
        .get(&data)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(named.contains("Test Peer reviewer (R0A)"), "{named}");
    let anonymised = moderator
        .get(format!(
            "{}/admin/cycles/{cycle}/results/anonymised.csv",
            server.base_url
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!anonymised.contains("Test Peer reviewer") && anonymised.contains("Reviewer 1"));
    // Each copy taken is in the audit trail: who, which cycle, which version, named or not.
    let downloads: Vec<_> = store::audit::recent(&db.pool, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|record| record.action == "download the full data file")
        .map(|record| {
            (
                record.entity_id,
                record.after.unwrap_or_default(),
                record.actor,
            )
        })
        .collect();
    assert_eq!(downloads.len(), 2, "{downloads:?}");
    assert!(downloads
        .iter()
        .all(|(entity, _, actor)| *entity == cycle && actor != "anonymous"));
    let mut copies: Vec<&str> = downloads
        .iter()
        .map(|(_, after, _)| after.as_str())
        .collect();
    copies.sort();
    assert_eq!(
        copies,
        ["version 1, anonymised, csv", "version 1, named, csv"]
    );

    // A correction: reopened, moderated and signed off again, published as version 2 with a note.
    let Answer { body, .. } = post(
        &admin,
        &server,
        ReopenForCorrection::PATH,
        &[("assessment_id", &assessment), ("reason", "")],
    )
    .await;
    assert!(body.contains("Enter what needs correcting"), "{body}");
    post(
        &admin,
        &server,
        ReopenForCorrection::PATH,
        &[
            ("assessment_id", &assessment),
            ("reason", "A level 3 criterion was misread"),
        ],
    )
    .await;
    assert_eq!(
        status(&server, &assessment).await,
        AssessmentStatus::Replied
    );
    moderate_and_sign_off(&server, &assessment, &domains, true).await;
    let Answer { body, .. } = post(&admin, &server, PublishResults::PATH, &publish).await;
    assert!(body.contains("Enter what this version corrects"), "{body}");
    post(
        &admin,
        &server,
        PublishResults::PATH,
        &[
            ("cycle_id", &cycle),
            ("note", "Leeds's strategy section re-moderated"),
        ],
    )
    .await;
    // Public pages are cached; a new version shows once the cache next checks, within a second.
    tokio::time::sleep(server::http::RECHECK_DATA_EVERY + std::time::Duration::from_millis(100))
        .await;
    let (_, body) = page(&public, &server, &format!("/results/{cycle}")).await;
    assert!(
        body.contains("Version 2 of these results") && body.contains("re-moderated"),
        "{body}"
    );
    let (_, body) = page(&public, &server, &format!("/results/{cycle}?version=1")).await;
    assert!(body.contains("Version 1 of these results") && body.contains("A newer version (2)"));
    let (code, _) = page(&public, &server, &format!("/results/{cycle}?version=7")).await;
    assert_eq!(code, 404);

    let actions: Vec<String> = store::audit::recent(&db.pool, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|record| record.action)
        .collect();
    for action in [
        "leave assessment out of the results",
        "release results provisionally",
        "query a provisional score",
        "answer a query on a provisional score",
        "publish results",
        "reopen published assessment for correction",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
    assert_eq!(store::audit::verify_chain(&db.pool).await.unwrap(), None);
}

#[tokio::test]
async fn an_upheld_query_sends_the_assessment_back_to_moderation() {
    let server = start_server().await;
    let (cycle, assessment) = signed_off(&server, true).await;
    let db = &server.state.db;
    let (admin, lead, moderator) = signed_in_admin_lead_and_moderator(&server).await;
    post(
        &admin,
        &server,
        ReleaseProvisionally::PATH,
        &[("cycle_id", &cycle), ("working_days", "3")],
    )
    .await;
    let domains = acute_domains(&server).await;
    post(
        &lead,
        &server,
        RaiseQuery::PATH,
        &[
            ("assessment_id", &assessment),
            ("domain_key", &domains[1].key),
            ("question", "We met level 3 as well."),
        ],
    )
    .await;
    let (code, body) = page(&moderator, &server, "/moderation/queries").await;
    assert_eq!(code, 200);
    assert!(body.contains("We met level 3 as well."), "{body}");
    let query = store::results::queries_for(db, &AssessmentId::from(&assessment))
        .await
        .unwrap()
        .remove(0);
    let Answer { body, .. } = post(
        &moderator,
        &server,
        AnswerQuery::PATH,
        &[("query_id", &query.id), ("answer", ""), ("reopen", "yes")],
    )
    .await;
    assert!(body.contains("Enter your answer to the trust"), "{body}");
    assert_eq!(
        status(&server, &assessment).await,
        AssessmentStatus::ProvisionallyReleased,
        "a refused answer changes nothing"
    );
    let Answer { body, .. } = post(
        &lead,
        &server,
        AnswerQuery::PATH,
        &[
            ("query_id", &query.id),
            ("answer", "Upheld"),
            ("reopen", "yes"),
        ],
    )
    .await;
    assert!(body.contains("Only NHS England moderators"), "{body}");
    post(
        &moderator,
        &server,
        AnswerQuery::PATH,
        &[
            ("query_id", &query.id),
            ("answer", "Agreed: the evidence shows level 3."),
            ("reopen", "yes"),
        ],
    )
    .await;
    assert_eq!(
        status(&server, &assessment).await,
        AssessmentStatus::Replied
    );
    let Answer { body, .. } = post(
        &moderator,
        &server,
        AnswerQuery::PATH,
        &[
            ("query_id", &query.id),
            ("answer", "Again"),
            ("reopen", "no"),
        ],
    )
    .await;
    assert!(body.contains("answered already"), "{body}");

    // Signed off again, it is released again on its own; the window stays as it was.
    moderate_and_sign_off(&server, &assessment, &domains, true).await;
    post(
        &admin,
        &server,
        ReleaseProvisionally::PATH,
        &[("cycle_id", &cycle)],
    )
    .await;
    assert_eq!(
        status(&server, &assessment).await,
        AssessmentStatus::ProvisionallyReleased
    );
}

#[tokio::test]
async fn an_ics_shows_its_icbs_own_survey_beside_the_mean_of_its_providers() {
    let server = start_server().await;
    let db = &server.state.db;
    // A cycle that includes ICBs creates each ICB's own assessment when it opens.
    let cycle = e2e::fixtures::CycleBuilder::new()
        .name("DMA 2026/27 with ICBs")
        .care_settings(&[CareSetting::Acute, CareSetting::Icb])
        .regions(&["Y63"])
        .open(&server)
        .await;
    let opened = store::assessments::for_cycle(db, &CycleId::from(&cycle))
        .await
        .unwrap();
    let icb = opened
        .iter()
        .find(|a| a.trust_ods_code == "QWO")
        .expect("West Yorkshire ICB's own assessment");
    assert_eq!(icb.care_setting, CareSetting::Icb);
    assert!(
        icb.trust_name.contains("West Yorkshire"),
        "{}",
        icb.trust_name
    );
    assert!(opened.iter().any(|a| a.trust_ods_code == "RR8"));

    let framework = store::frameworks::cached(db, e2e::fixtures::FRAMEWORK_VERSION)
        .await
        .unwrap()
        .unwrap();
    let scored = |ods: &str, setting: CareSetting, hundredths: i64| PublishedAssessment {
        trust_ods_code: ods.into(),
        care_setting: setting,
        overall: hundredths,
        pillars: framework
            .pillars
            .iter()
            .filter(|p| p.domains.iter().any(|d| d.applies_to(setting)))
            .map(|p| (p.key.clone(), hundredths))
            .collect(),
        domains: Vec::new(),
    };
    let earlier = earlier_cycle(vec![CareSetting::Acute, CareSetting::Icb]);
    let (published, _) = store::published::import_historical_cycle(
        db,
        ACTOR,
        &earlier,
        &[
            scored("RR8", CareSetting::Acute, 300),
            scored("QWO", CareSetting::Icb, 200),
        ],
        "results-2025.csv",
    )
    .await
    .unwrap();
    let public = cookieless_client();
    let (code, body) = page(&public, &server, &format!("/results/{published}/ics/QWO")).await;
    assert_eq!(code, 200);
    for expected in [
        "Overall score: mean of its providers</dt><dd class=\"nhsuk-summary-list__value\">3.00",
        "The ICB&#x27;s own survey: overall score</dt><dd class=\"nhsuk-summary-list__value\">2.00",
    ] {
        let expected = expected.replace("&#x27;", "'");
        assert!(
            body.contains(&expected),
            "{expected} is missing from the ICS page"
        );
    }
    let (_, body) = page(&public, &server, &format!("/results/{published}")).await;
    assert!(
        body.contains("Covers 1 assessments of 1 trusts"),
        "England's mean is of providers only"
    );
    assert!(
        body.contains("ICBs' own surveys (mean of 1"),
        "listed apart: {}",
        &body[body
            .find("<h2 class=\"nhsuk-heading-l\">England")
            .unwrap_or(0)..][..2500]
    );
    let (_, body) = page(&public, &server, &format!("/results/{published}/trusts")).await;
    assert!(
        !body.contains("Integrated Care Board</a>"),
        "an ICB is not in the trusts' table"
    );
}

/// The full data file covers the whole cycle, but NHS England staff whose account is of a trust
/// never learn who reviewed it: their own trust's reviewers are numbered, as in the anonymised
/// file, while every other trust's are named.
#[tokio::test]
async fn nhs_england_staff_never_see_who_reviewed_their_own_trust_in_the_data_file() {
    let server = start_server().await;
    let (cycle, _) = signed_off(&server, true).await;
    let (admin, _, moderator) = signed_in_admin_lead_and_moderator(&server).await;
    post(
        &admin,
        &server,
        ReleaseProvisionally::PATH,
        &[("cycle_id", &cycle), ("working_days", "5")],
    )
    .await;
    close_queries(&server, &cycle).await;
    post(
        &admin,
        &server,
        PublishResults::PATH,
        &[("cycle_id", &cycle), ("note", "")],
    )
    .await;
    let data = format!("{}/admin/cycles/{cycle}/results/data.csv", server.base_url);
    let download = |client: reqwest::Client| {
        let data = data.clone();
        async move {
            let response = client.get(&data).send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        }
    };
    let named = download(moderator).await;
    assert!(
        named.contains("RR8,") && named.contains("Test Peer reviewer (R0A)"),
        "{named}"
    );
    let own_moderator = AccountBuilder::new("moderator@rr8.nhs.uk")
        .org("RR8")
        .role(Role::Moderator)
        .signed_in(&server)
        .await;
    let own = download(own_moderator).await;
    let rr8_rows: Vec<&str> = own.lines().filter(|row| row.starts_with("RR8,")).collect();
    assert!(!rr8_rows.is_empty(), "RR8's rows are still there: {own}");
    assert!(
        rr8_rows.iter().all(|row| row.contains(",Reviewer 1,")),
        "{own}"
    );
    assert!(!own.contains("Test Peer reviewer"), "{own}");
}

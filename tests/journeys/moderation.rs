//! Moderation and sign-off over HTTP: the queue, the moderated level and what a different one
//! needs, submission, and four eyes: whoever moderated an assessment may not sign it off.

use app::api::moderation::*;
use app::api::sign_off::*;
use app::rules::accounts::Role;
use app::rules::framework::Domain;
use app::rules::lifecycle::AssessmentStatus;
use app::store;
use app::store::AssessmentId;
use e2e::fixtures::{acute_domains, AccountBuilder, AssessmentBuilder, CycleBuilder};
use e2e::requests::{page, pairs, post, Answer};
use e2e::{start_server, TestServer};
use leptos::server_fn::ServerFn;

/// RR8's acute assessment, reviewed and replied to, in a cycle in moderation.
async fn replied(server: &TestServer) -> String {
    let cycle = CycleBuilder::new().in_peer_review(server).await;
    let reviewer = AccountBuilder::new("first@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .create(server)
        .await;
    let assessment = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::Replied)
        .answer_domains(..)
        .reviewer(&reviewer)
        .build(server)
        .await;
    CycleBuilder::into_moderation(server, &cycle).await;
    assessment
}

fn moderation_fields(
    assessment: &str,
    domain: &Domain,
    version: i64,
    score: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut fields = vec![
        ("assessment_id".to_string(), assessment.to_string()),
        ("domain_key".to_string(), domain.key.clone()),
        ("version".to_string(), version.to_string()),
        ("score".to_string(), score.to_string()),
        ("then".to_string(), "continue".to_string()),
    ];
    fields.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    fields
}

/// Moderates every domain at the trust's own level (2), which needs no rationale.
async fn moderate_all(
    client: &reqwest::Client,
    server: &TestServer,
    assessment: &str,
    domains: &[Domain],
) {
    for domain in domains {
        let version = store::moderation::domain_moderation(
            &server.state.db,
            &AssessmentId::from(assessment),
            &domain.key,
        )
        .await
        .unwrap()
        .version;
        let fields = moderation_fields(assessment, domain, version, "2", &[]);
        let Answer { body, .. } =
            post(client, server, SaveDomainModeration::PATH, &pairs(&fields)).await;
        assert!(!body.contains("Invalid"), "{body}");
    }
}

#[tokio::test]
async fn a_moderator_sets_levels_with_their_reasons_and_submits() {
    let server = start_server().await;
    let assessment = replied(&server).await;
    let domains = acute_domains(&server).await;
    let moderator = AccountBuilder::new("moderator@england.nhs.uk")
        .role(Role::Moderator)
        .signed_in(&server)
        .await;
    let lead = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .signed_in(&server)
        .await;

    let body = post(
        &moderator,
        &server,
        ModerationQueue::PATH,
        &[("care_setting", "Acute")],
    )
    .await
    .body;
    assert!(
        body.contains(&assessment) && body.contains("Ready for moderation"),
        "{body}"
    );
    let body = post(
        &moderator,
        &server,
        ModerationQueue::PATH,
        &[("care_setting", "Mental Health")],
    )
    .await
    .body;
    assert!(!body.contains(&assessment), "filtered out: {body}");
    let (status, body) = page(
        &moderator,
        &server,
        &format!("/moderation/{assessment}/domains/{}", domains[0].key),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Test Peer reviewer (R0A)"),
        "NHS England sees who reviewed: {body}"
    );
    let Answer { body, .. } = post(
        &lead,
        &server,
        GetModeration::PATH,
        &[("assessment_id", &assessment)],
    )
    .await;
    assert!(body.contains("Only NHS England can see"), "{body}");

    // A level other than the trust's needs the criteria it rests on and a rationale.
    let domain = &domains[0];
    let criterion = domain.levels[0].criteria[0].key.clone();
    let checkbox = format!("criteria[{criterion}]");
    let stranger = format!("criteria[{}]", domains[1].levels[0].criteria[0].key);
    for (extra, field) in [
        (vec![("rationale", "Draft only")], "\"criteria\""),
        (vec![(checkbox.as_str(), "on")], "\"rationale\""),
        (
            vec![(stranger.as_str(), "on"), ("rationale", "Draft")],
            "does not belong",
        ),
    ] {
        let fields = moderation_fields(&assessment, domain, 0, "1", &extra);
        let Answer { body, .. } = post(
            &moderator,
            &server,
            SaveDomainModeration::PATH,
            &pairs(&fields),
        )
        .await;
        assert!(body.contains(field), "{field}: {body}");
    }
    let fields = moderation_fields(&assessment, domain, 0, "9", &[]);
    let Answer { body, .. } = post(
        &moderator,
        &server,
        SaveDomainModeration::PATH,
        &pairs(&fields),
    )
    .await;
    assert!(body.contains("from 1 to 5"), "{body}");
    assert_eq!(
        store::moderation::domain_moderation(
            &server.state.db,
            &AssessmentId::from(&assessment),
            &domain.key
        )
        .await
        .unwrap()
        .version,
        0,
        "nothing saved"
    );

    let fields = moderation_fields(
        &assessment,
        domain,
        0,
        "1",
        &[
            (&checkbox, "on"),
            (
                "rationale",
                "The strategy is a draft, as the reviewer found",
            ),
        ],
    );
    post(
        &moderator,
        &server,
        SaveDomainModeration::PATH,
        &pairs(&fields),
    )
    .await;
    let saved = store::moderation::domain_moderation(
        &server.state.db,
        &AssessmentId::from(&assessment),
        &domain.key,
    )
    .await
    .unwrap();
    assert_eq!(saved.version, 1);
    assert_eq!(saved.moderation.unwrap().criteria, [criterion]);

    let Answer { body, .. } = post(
        &moderator,
        &server,
        SubmitModeration::PATH,
        &[("assessment_id", &assessment)],
    )
    .await;
    assert!(body.contains("Not yet finished"), "{body}");
    moderate_all(&moderator, &server, &assessment, &domains[1..]).await;
    post(
        &moderator,
        &server,
        SubmitModeration::PATH,
        &[("assessment_id", &assessment)],
    )
    .await;
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::Moderated
    );
}

#[tokio::test]
async fn whoever_moderated_may_not_sign_off_and_a_second_approver_returns_then_signs_off() {
    let server = start_server().await;
    let assessment = replied(&server).await;
    let domains = acute_domains(&server).await;
    // A moderator who is also an approver moderates it.
    let both = AccountBuilder::new("both@england.nhs.uk")
        .role(Role::Moderator)
        .role(Role::Approver)
        .signed_in(&server)
        .await;
    moderate_all(&both, &server, &assessment, &domains).await;
    post(
        &both,
        &server,
        SubmitModeration::PATH,
        &[("assessment_id", &assessment)],
    )
    .await;
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::Moderated
    );

    let field = format!("assessments[{SIGN_OFF_FIELD_PREFIX}{assessment}]");
    let sign = |client: &reqwest::Client, declaration: &str| {
        let fields = [
            (field.clone(), "on".to_string()),
            ("declaration".to_string(), declaration.to_string()),
        ];
        let (client, server) = (client.clone(), &server);
        async move {
            post(&client, server, SignOff::PATH, &pairs(&fields))
                .await
                .body
        }
    };
    let body = sign(&both, "confirmed").await;
    assert!(
        body.contains("You had a hand in moderating this assessment"),
        "{body}"
    );
    let body = post(
        &both,
        &server,
        ReturnToModerator::PATH,
        &[("assessment_id", &assessment), ("reason", "Mine")],
    )
    .await
    .body;
    assert!(
        body.contains("You had a hand in moderating this assessment"),
        "{body}"
    );
    let queue = post(&both, &server, SignOffQueue::PATH, &[]).await.body;
    assert!(
        queue.contains("You had a hand in moderating this assessment"),
        "the queue says why: {queue}"
    );
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::Moderated
    );

    let approver = AccountBuilder::new("approver@england.nhs.uk")
        .role(Role::Approver)
        .signed_in(&server)
        .await;
    let (status, body) = page(&approver, &server, &format!("/sign-off/{assessment}")).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("The moderator kept the trust&#x27;s own level")
            || body.contains("The moderator kept the trust's own level"),
        "{body}"
    );
    let body = post(
        &approver,
        &server,
        ReturnToModerator::PATH,
        &[("assessment_id", &assessment), ("reason", " ")],
    )
    .await
    .body;
    assert!(body.contains("\"reason\""), "{body}");
    post(
        &approver,
        &server,
        ReturnToModerator::PATH,
        &[
            ("assessment_id", &assessment),
            ("reason", "Check digital strategy again"),
        ],
    )
    .await;
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::Replied
    );

    post(
        &both,
        &server,
        SubmitModeration::PATH,
        &[("assessment_id", &assessment)],
    )
    .await;
    assert!(sign(&approver, "").await.contains("\"declaration\""));
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::Moderated
    );
    sign(&approver, "confirmed").await;
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::SignedOff
    );
    let decisions: Vec<(String, String)> = sqlx::query_as(
        "SELECT decision, decided_by FROM sign_offs WHERE assessment_id = $1 ORDER BY decided_at",
    )
    .bind(&assessment)
    .fetch_all(&server.state.db.pool)
    .await
    .unwrap();
    let kinds: Vec<&str> = decisions
        .iter()
        .map(|(decision, _)| decision.as_str())
        .collect();
    assert_eq!(kinds, ["returned", "signed_off"]);
}

#[tokio::test]
async fn a_moderator_asks_for_more_evidence_and_the_trust_answers_by_the_deadline() {
    use app::api::evidence::{AnswerEvidenceRequest, AskForEvidence, EvidenceRequests};
    let server = start_server().await;
    let assessment = replied(&server).await;
    let domains = acute_domains(&server).await;
    let moderator = AccountBuilder::new("moderator@england.nhs.uk")
        .role(Role::Moderator)
        .signed_in(&server)
        .await;
    let lead = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .signed_in(&server)
        .await;
    let other_lead = AccountBuilder::new("lead@r1k.nhs.uk")
        .org("R1K")
        .role(Role::TrustLead)
        .signed_in(&server)
        .await;

    let domain_field = format!("domains[{}]", domains[0].key);
    let in_three_days = store::date_in_days(3);
    let ask = |extra: Vec<(String, String)>| {
        let mut fields = vec![("assessment_id".to_string(), assessment.clone())];
        fields.extend(extra);
        let (moderator, server) = (moderator.clone(), &server);
        async move {
            post(&moderator, server, AskForEvidence::PATH, &pairs(&fields))
                .await
                .body
        }
    };
    let question = (
        "question".to_string(),
        "Please send the board minutes approving the strategy".to_string(),
    );
    let body = ask(vec![
        question.clone(),
        ("deadline".into(), in_three_days.clone()),
    ])
    .await;
    assert!(body.contains("evidence-domains"), "{body}");
    let body = ask(vec![
        (domain_field.clone(), "on".into()),
        question.clone(),
        ("deadline".into(), store::date_in_days(30)),
    ])
    .await;
    assert!(body.contains("evidence-deadline"), "{body}");
    let body = ask(vec![
        (domain_field.clone(), "on".into()),
        ("deadline".into(), in_three_days.clone()),
    ])
    .await;
    assert!(body.contains("evidence-question"), "{body}");
    assert!(store::evidence_requests::for_assessment(
        &server.state.db,
        &AssessmentId::from(&assessment)
    )
    .await
    .unwrap()
    .is_empty());
    ask(vec![
        (domain_field, "on".into()),
        question,
        ("deadline".into(), in_three_days),
    ])
    .await;
    let mail = server.wait_for_mail_to("lead@rr8.nhs.uk").await;
    assert!(
        mail.contains("board minutes approving") && mail.contains(&domains[0].name),
        "{mail}"
    );

    let request = store::evidence_requests::for_assessment(
        &server.state.db,
        &AssessmentId::from(&assessment),
    )
    .await
    .unwrap()
    .remove(0);
    let body = post(
        &lead,
        &server,
        EvidenceRequests::PATH,
        &[("assessment_id", &assessment)],
    )
    .await
    .body;
    assert!(body.contains("\"may_answer\":true"), "{body}");
    let body = post(
        &other_lead,
        &server,
        AnswerEvidenceRequest::PATH,
        &[("request_id", &request.id), ("answer", "Ours")],
    )
    .await
    .body;
    assert!(body.contains("Forbidden"), "{body}");
    let body = post(
        &lead,
        &server,
        AnswerEvidenceRequest::PATH,
        &[("request_id", &request.id), ("answer", " ")],
    )
    .await
    .body;
    assert!(body.contains(&format!("answer-{}", request.id)), "{body}");
    post(
        &lead,
        &server,
        AnswerEvidenceRequest::PATH,
        &[
            ("request_id", &request.id),
            ("answer", "Board minutes, 12 May 2026, item 4"),
        ],
    )
    .await;
    let body = post(
        &lead,
        &server,
        AnswerEvidenceRequest::PATH,
        &[("request_id", &request.id), ("answer", "Changed my mind")],
    )
    .await
    .body;
    assert!(body.contains("already been answered"), "{body}");
    let (_, page_body) = page(&moderator, &server, &format!("/moderation/{assessment}")).await;
    assert!(
        page_body.contains("Board minutes, 12 May 2026, item 4"),
        "the moderator reads the answer"
    );
}

//! Peer reviewers' care settings, capacity and declared conflicts of interest over HTTP: the
//! reviewer on their own account, an administrator on theirs, and everyone else refused.

use app::api::reviewers::{
    DeclareConflict, GetReviewerProfile, SaveReviewerProfile, WithdrawConflict,
};
use app::rules::accounts::Role;
use app::rules::organisations::CareSetting;
use app::rules::reviewers::{DeclaredConflict, ReviewerProfile};
use app::store;
use app::store::AccountId;
use e2e::fixtures::AccountBuilder;
use e2e::requests::{page, post};
use e2e::{start_server, TestServer};
use leptos::server_fn::ServerFn;

/// A peer reviewer at R0A, signed in; returns the client and their account id.
async fn reviewer(server: &TestServer, email: &str) -> (reqwest::Client, String) {
    AccountBuilder::new(email)
        .org("R0A")
        .role(Role::PeerReviewer)
        .signed_in_with_id(server)
        .await
}

async fn read_profile(
    client: &reqwest::Client,
    server: &TestServer,
    account_id: &str,
) -> (ReviewerProfile, Vec<DeclaredConflict>) {
    let answer = post(
        client,
        server,
        GetReviewerProfile::PATH,
        &[("account_id", account_id)],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    serde_json::from_str(&answer.body).expect("a profile and its conflicts")
}

/// A bad-input case: the server function, its fields, the field the error names, and what the
/// error says.
type Case<'a> = (
    &'static str,
    Vec<(&'a str, &'a str)>,
    &'static str,
    &'static str,
);

/// How many changes the audit trail records; refusals, which it records too, change nothing.
async fn audit_count(server: &TestServer) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action <> 'refused'")
        .fetch_one(&server.state.db.pool)
        .await
        .unwrap()
}

/// The latest change recorded; refusals, audited beside their requests, are not changes.
async fn latest_audit(server: &TestServer) -> store::audit::AuditRecord {
    store::audit::recent(&server.state.db.pool, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|record| record.action != "refused")
        .unwrap()
}

/// The page at `path`, which must be there.
async fn page_body(client: &reqwest::Client, server: &TestServer, path: &str) -> String {
    let (status, body) = page(client, server, path).await;
    assert_eq!(status, 200, "{path}");
    body
}

#[tokio::test]
async fn a_reviewer_saves_the_care_settings_they_can_review_and_their_capacity() {
    let server = start_server().await;
    let (client, me) = reviewer(&server, "reviewer@r0a.nhs.uk").await;
    let (profile, conflicts) = read_profile(&client, &server, &me).await;
    assert_eq!(profile, ReviewerProfile::default(), "nothing saved yet");
    assert!(conflicts.is_empty());

    let answer = post(
        &client,
        &server,
        SaveReviewerProfile::PATH,
        &[
            ("account_id", &me),
            ("mental_health", "on"),
            ("acute", "on"),
            ("capacity", " 4 "),
        ],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.location.as_deref(),
        Some("/account?updated=expertise"),
        "back to their own account page"
    );
    let (profile, _) = read_profile(&client, &server, &me).await;
    assert_eq!(
        profile,
        ReviewerProfile {
            expertise: vec![CareSetting::Acute, CareSetting::MentalHealth],
            capacity: Some(4),
        }
    );
    let record = latest_audit(&server).await;
    assert_eq!(record.action, "save reviewer profile");
    assert_eq!(record.actor, me);
    assert_eq!(record.entity_id, me);
    assert_eq!(
        record.after.as_deref(),
        Some("Acute, Mental Health; at most 4 reviews")
    );

    // An empty capacity goes back to the cycle's default.
    let answer = post(
        &client,
        &server,
        SaveReviewerProfile::PATH,
        &[("account_id", &me), ("ambulance", "on"), ("capacity", "")],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let saved = store::reviewers::profile(&server.state.db, &AccountId::from(&me))
        .await
        .unwrap();
    assert_eq!(
        saved,
        Some(ReviewerProfile {
            expertise: vec![CareSetting::Ambulance],
            capacity: None,
        })
    );
    assert_eq!(
        latest_audit(&server).await.before.as_deref(),
        Some("Acute, Mental Health; at most 4 reviews")
    );

    let account = page_body(&client, &server, "/account?updated=expertise").await;
    assert!(
        account.contains("Care settings and capacity saved."),
        "{account}"
    );
    assert!(account.contains("Care settings you can review"));
    assert!(account.contains("Declared conflicts of interest"));
    assert!(account.contains("You have not declared any conflicts of interest."));
}

#[tokio::test]
async fn bad_input_is_explained_against_its_field_and_changes_nothing() {
    let server = start_server().await;
    let (client, me) = reviewer(&server, "reviewer@r0a.nhs.uk").await;
    let before = audit_count(&server).await;

    let save = |capacity: &'static str, ticked: bool| {
        let mut fields = vec![("capacity", capacity)];
        if ticked {
            fields.push(("community", "on"));
        }
        fields
    };
    let long_reason = "x".repeat(501);
    let cases: Vec<Case> = vec![
        (
            SaveReviewerProfile::PATH,
            save("3", false),
            "\"expertise\"",
            "Select at least one care setting",
        ),
        (
            SaveReviewerProfile::PATH,
            save("0", true),
            "\"capacity\"",
            "whole number from 1 to 20",
        ),
        (
            SaveReviewerProfile::PATH,
            save("21", true),
            "\"capacity\"",
            "whole number from 1 to 20",
        ),
        (
            SaveReviewerProfile::PATH,
            save("three", true),
            "\"capacity\"",
            "whole number from 1 to 20",
        ),
        (
            DeclareConflict::PATH,
            vec![("trust_ods_code", ""), ("reason", "Worked there")],
            "\"trust-ods-code\"",
            "Enter the ODS code of the trust",
        ),
        (
            DeclareConflict::PATH,
            vec![("trust_ods_code", "ZZZ99"), ("reason", "Worked there")],
            "\"trust-ods-code\"",
            "There is no trust with the ODS code ZZZ99",
        ),
        (
            DeclareConflict::PATH,
            // An ICB, not a trust.
            vec![("trust_ods_code", "QWO"), ("reason", "Worked there")],
            "\"trust-ods-code\"",
            "There is no trust with the ODS code QWO",
        ),
        (
            DeclareConflict::PATH,
            vec![("trust_ods_code", "RR8"), ("reason", "   ")],
            "\"conflict-reason\"",
            "Enter the reason",
        ),
        (
            WithdrawConflict::PATH,
            vec![("trust_ods_code", "RR8"), ("reason", "")],
            "\"withdraw-reason-RR8\"",
            "Enter the reason for withdrawing the conflict with RR8",
        ),
        (
            WithdrawConflict::PATH,
            vec![("trust_ods_code", "RR8"), ("reason", "Declared in error")],
            "Invalid",
            "There is no declared conflict of interest with RR8",
        ),
        (
            DeclareConflict::PATH,
            vec![("trust_ods_code", "RR8"), ("reason", &long_reason)],
            "\"conflict-reason\"",
            "500 characters or fewer",
        ),
    ];
    for (path, mut fields, field, message) in cases {
        fields.push(("account_id", &me));
        let answer = post(&client, &server, path, &fields).await;
        assert!(
            answer.status >= 400 && answer.body.contains(field) && answer.body.contains(message),
            "{path} {fields:?}: {} {}",
            answer.status,
            answer.body
        );
        assert_eq!(answer.location, None, "no redirect after {fields:?}");
    }

    assert_eq!(
        store::reviewers::profile(&server.state.db, &AccountId::from(&me))
            .await
            .unwrap(),
        None
    );
    assert!(store::reviewers::all_conflicts(&server.state.db)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(audit_count(&server).await, before, "nothing audited");
}

#[tokio::test]
async fn a_reviewer_declares_and_withdraws_conflicts_and_each_change_is_audited() {
    let server = start_server().await;
    let (client, me) = reviewer(&server, "reviewer@r0a.nhs.uk").await;

    // Their own trust is allowed too, and codes are read in any case.
    for (trust, reason) in [
        ("r0a", "My own trust"),
        ("RR8", "I worked there until 2025"),
    ] {
        let answer = post(
            &client,
            &server,
            DeclareConflict::PATH,
            &[
                ("account_id", &me),
                ("trust_ods_code", trust),
                ("reason", reason),
            ],
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(
            answer.location.as_deref(),
            Some("/account?updated=conflict-declared")
        );
    }
    let record = latest_audit(&server).await;
    assert_eq!(record.action, "declare reviewer conflict");
    assert_eq!(record.actor, me);
    assert_eq!(record.entity_id, format!("{me}/RR8"));
    assert_eq!(record.reason.as_deref(), Some("I worked there until 2025"));

    // Declaring the same trust again updates the reason.
    let answer = post(
        &client,
        &server,
        DeclareConflict::PATH,
        &[
            ("account_id", &me),
            ("trust_ods_code", "RR8"),
            ("reason", "My partner is its chief information officer"),
        ],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let (_, conflicts) = read_profile(&client, &server, &me).await;
    let listed: Vec<(&str, &str, &str)> = conflicts
        .iter()
        .map(|c| {
            (
                c.trust_ods_code.as_str(),
                c.trust_name.as_str(),
                c.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (
                "R0A",
                "Manchester University NHS Foundation Trust",
                "My own trust"
            ),
            (
                "RR8",
                "Leeds Teaching Hospitals NHS Trust",
                "My partner is its chief information officer"
            ),
        ]
    );
    assert!(conflicts
        .iter()
        .all(|c| c.declared_by == "Test Peer reviewer"));
    assert_eq!(
        latest_audit(&server).await.before.as_deref(),
        Some("declared: I worked there until 2025")
    );
    assert_eq!(
        store::reviewers::all_conflicts(&server.state.db)
            .await
            .unwrap(),
        [
            (me.clone(), "R0A".to_string()),
            (me.clone(), "RR8".to_string())
        ]
    );

    let account = page_body(&client, &server, "/account?updated=conflict-declared").await;
    assert!(account.contains("Conflict of interest declared."));
    assert!(account.contains("Leeds Teaching Hospitals NHS Trust (RR8)"));
    assert!(account.contains("My partner is its chief information officer"));
    assert!(account.contains("withdraw-reason-RR8"));

    let answer = post(
        &client,
        &server,
        WithdrawConflict::PATH,
        &[
            ("account_id", &me),
            ("trust_ods_code", "RR8"),
            ("reason", "They have left the trust"),
        ],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.location.as_deref(),
        Some("/account?updated=conflict-withdrawn")
    );
    let (_, conflicts) = read_profile(&client, &server, &me).await;
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].trust_ods_code, "R0A");
    let record = latest_audit(&server).await;
    assert_eq!(record.action, "withdraw reviewer conflict");
    assert_eq!(record.actor, me);
    assert_eq!(record.entity_id, format!("{me}/RR8"));
    assert_eq!(
        record.before.as_deref(),
        Some("declared: My partner is its chief information officer")
    );
    assert_eq!(record.reason.as_deref(), Some("They have left the trust"));
    assert_eq!(
        store::audit::verify_chain(&server.state.db.pool)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn an_admin_manages_a_reviewers_profile_and_conflicts_from_their_page() {
    let server = start_server().await;
    let (reviewer_client, reviewer_id) = reviewer(&server, "reviewer@r0a.nhs.uk").await;
    let (admin, admin_id) = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .signed_in_with_id(&server)
        .await;

    let answer = post(
        &admin,
        &server,
        DeclareConflict::PATH,
        &[
            ("account_id", &reviewer_id),
            ("trust_ods_code", "RR8"),
            ("reason", "Told us by email on 3 March"),
        ],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.location,
        Some(format!(
            "/admin/people/{reviewer_id}?updated=conflict-declared"
        )),
        "back to the person's page"
    );
    let record = latest_audit(&server).await;
    assert_eq!(record.action, "declare reviewer conflict");
    assert_eq!(record.actor, admin_id);
    assert_eq!(record.entity_id, format!("{reviewer_id}/RR8"));

    let answer = post(
        &admin,
        &server,
        SaveReviewerProfile::PATH,
        &[
            ("account_id", &reviewer_id),
            ("icb", "on"),
            ("capacity", "2"),
        ],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.location,
        Some(format!("/admin/people/{reviewer_id}?updated=expertise"))
    );

    // The reviewer sees what the administrator did, and who did it.
    let (profile, conflicts) = read_profile(&reviewer_client, &server, &reviewer_id).await;
    assert_eq!(profile.expertise, [CareSetting::Icb]);
    assert_eq!(profile.capacity, Some(2));
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].declared_by, "Test Administrator");
    assert_eq!(conflicts[0].reason, "Told us by email on 3 March");

    let person = page_body(
        &admin,
        &server,
        &format!("/admin/people/{reviewer_id}?updated=conflict-declared"),
    )
    .await;
    assert!(
        person.contains("Conflict of interest declared."),
        "{person}"
    );
    assert!(person.contains("Care settings Test Peer reviewer can review"));
    assert!(person.contains("Told us by email on 3 March"));

    let answer = post(
        &admin,
        &server,
        WithdrawConflict::PATH,
        &[
            ("account_id", &reviewer_id),
            ("trust_ods_code", "RR8"),
            ("reason", "Confirmed with the reviewer: no longer applies"),
        ],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.location,
        Some(format!(
            "/admin/people/{reviewer_id}?updated=conflict-withdrawn"
        ))
    );
    let record = latest_audit(&server).await;
    assert_eq!(record.action, "withdraw reviewer conflict");
    assert_eq!(record.actor, admin_id);
    assert!(store::reviewers::all_conflicts(&server.state.db)
        .await
        .unwrap()
        .is_empty());

    // Someone who does not review has no expertise to record.
    let lead_id = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .create(&server)
        .await;
    let answer = post(
        &admin,
        &server,
        SaveReviewerProfile::PATH,
        &[("account_id", &lead_id), ("acute", "on"), ("capacity", "")],
    )
    .await;
    assert!(
        answer.body.contains("is not a peer reviewer"),
        "{}",
        answer.body
    );
    let person = page_body(&admin, &server, &format!("/admin/people/{lead_id}")).await;
    assert!(
        !person.contains("Declared conflicts of interest"),
        "no reviewer section for a trust lead"
    );
}

#[tokio::test]
async fn another_reviewer_and_other_roles_are_refused_and_change_nothing() {
    let server = start_server().await;
    let (owner, owner_id) = reviewer(&server, "reviewer@r0a.nhs.uk").await;
    let answer = post(
        &owner,
        &server,
        DeclareConflict::PATH,
        &[
            ("account_id", &owner_id),
            ("trust_ods_code", "RR8"),
            ("reason", "Worked there"),
        ],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);

    let (other_reviewer, _) = reviewer(&server, "other.reviewer@r0a.nhs.uk").await;
    let lead = AccountBuilder::new("lead@r0a.nhs.uk")
        .org("R0A")
        .role(Role::TrustLead)
        .signed_in(&server)
        .await;
    let moderator = AccountBuilder::new("moderator@england.nhs.uk")
        .role(Role::Moderator)
        .signed_in(&server)
        .await;
    let calls: [(&str, Vec<(&str, &str)>); 4] = [
        (GetReviewerProfile::PATH, vec![]),
        (
            SaveReviewerProfile::PATH,
            vec![("acute", "on"), ("capacity", "5")],
        ),
        (
            DeclareConflict::PATH,
            vec![("trust_ods_code", "RX9"), ("reason", "Made up")],
        ),
        (
            WithdrawConflict::PATH,
            vec![("trust_ods_code", "RR8"), ("reason", "Made up")],
        ),
    ];
    let before = audit_count(&server).await;
    for (who, client) in [
        ("another reviewer", &other_reviewer),
        ("a trust lead", &lead),
        ("a moderator", &moderator),
    ] {
        for (path, fields) in &calls {
            let mut fields = fields.clone();
            fields.push(("account_id", &owner_id));
            let answer = post(client, &server, path, &fields).await;
            assert!(
                answer.status == 403 || answer.body.contains("\"Forbidden\""),
                "{who} is refused {path}: {} {}",
                answer.status,
                answer.body
            );
            assert!(!answer.body.contains("Worked there"), "nothing leaks");
        }
    }
    assert_eq!(audit_count(&server).await, before, "nothing changed");
    let (profile, conflicts) = read_profile(&owner, &server, &owner_id).await;
    assert_eq!(profile, ReviewerProfile::default());
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].reason, "Worked there");

    let account = page_body(&lead, &server, "/account").await;
    assert!(
        !account.contains("Care settings you can review"),
        "only reviewers see the section on their account page"
    );
}

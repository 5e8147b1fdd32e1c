//! Peer reviewer assignment over HTTP: propose, swap with a reason, confirm (reviewers emailed),
//! a reviewer declines, the administrator assigns the next best in one click.

use app::api::assignments::{
    ConfirmAssignment, DeclineReview, GetAssignment, MyReviews, ProposeAssignment, ReplaceReviewer,
    SwapReviewer,
};
use app::rules::accounts::Role;
use app::rules::lifecycle::AssessmentStatus;
use app::rules::organisations::CareSetting;
use app::rules::reviewers::ReviewerProfile;
use app::store;
use app::store::{AccountId, AssessmentId, CycleId};
use e2e::fixtures::{AccountBuilder, AssessmentBuilder, CycleBuilder};
use e2e::requests::{post, Answer, NO_FIELDS};
use e2e::{start_server, TestServer};
use leptos::server_fn::ServerFn;
use serde_json::Value;

/// Two acute trusts outside West Yorkshire in different ICSs, with their ICSs, and a third ICS
/// that is neither theirs nor West Yorkshire's.
async fn two_trusts_and_a_third_ics(
    server: &TestServer,
) -> ((String, String), (String, String), String) {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT t.ods_code, t.assessed_in_icb_ods_code FROM trusts t \
         JOIN org_snapshots s ON s.id = t.snapshot_id AND s.is_current = 1 \
         JOIN trust_care_settings c ON c.snapshot_id = t.snapshot_id AND c.trust_ods_code = t.ods_code \
         WHERE c.care_setting = 'Acute' AND t.assessed_in_icb_ods_code <> 'QWO' ORDER BY t.ods_code",
    )
    .fetch_all(&server.state.db.pool)
    .await
    .unwrap();
    let first = rows[0].clone();
    let second = rows
        .iter()
        .find(|(_, icb)| *icb != first.1)
        .unwrap()
        .clone();
    let icbs: Vec<String> = sqlx::query_scalar(
        "SELECT i.ods_code FROM icbs i JOIN org_snapshots s ON s.id = i.snapshot_id AND s.is_current = 1 ORDER BY i.ods_code",
    )
    .fetch_all(&server.state.db.pool)
    .await
    .unwrap();
    let third = icbs
        .into_iter()
        .find(|code| *code != "QWO" && *code != first.1 && *code != second.1)
        .unwrap();
    (first, second, third)
}

async fn reviewer(server: &TestServer, email: &str, org: &str) -> (String, reqwest::Client) {
    let (client, id) = AccountBuilder::new(email)
        .org(org)
        .role(Role::PeerReviewer)
        .signed_in_with_id(server)
        .await;
    let profile = ReviewerProfile {
        expertise: vec![CareSetting::Acute],
        capacity: None,
    };
    store::reviewers::save_profile(&server.state.db, "tests", &AccountId::from(&id), &profile)
        .await
        .unwrap();
    (id, client)
}

fn slots(view: &Value) -> Vec<&Value> {
    view["assessments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|assessment| assessment["slots"].as_array().unwrap())
        .collect()
}

#[tokio::test]
async fn proposing_swapping_confirming_declining_and_replacing_reviewers() {
    let server = start_server().await;
    let db = &server.state.db;
    let cycle = CycleBuilder::new().open(&server).await;
    let ((first_trust, first_ics), (second_trust, second_ics), third_ics) =
        two_trusts_and_a_third_ics(&server).await;
    let mut assessments = Vec::new();
    for trust in ["RR8", first_trust.as_str(), second_trust.as_str()] {
        let id = AssessmentBuilder::new(&cycle, trust)
            .status(AssessmentStatus::Submitted)
            .build(&server)
            .await;
        assessments.push(id);
    }
    // Reviewers at four ICBs: each assessment's own ICS reviewer must never review it.
    let (from_first_ics, _) = reviewer(&server, "a@first.nhs.uk", &first_ics).await;
    let (from_second_ics, second_client) = reviewer(&server, "b@second.nhs.uk", &second_ics).await;
    let (from_third_ics, _) = reviewer(&server, "c@third.nhs.uk", &third_ics).await;
    let (from_west_yorkshire, west_yorkshire_client) =
        reviewer(&server, "d@qwo.nhs.uk", "QWO").await;
    let admin = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .signed_in(&server)
        .await;

    let Answer { status, body, .. } = post(
        &admin,
        &server,
        ProposeAssignment::PATH,
        &[("cycle_id", &cycle)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let body = post(
        &admin,
        &server,
        GetAssignment::PATH,
        &[("cycle_id", &cycle)],
    )
    .await
    .body;
    let view: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        view["proposed_count"], 6,
        "3 assessments × 2 reviewers: {body}"
    );
    assert!(view["uncovered"].as_array().unwrap().is_empty());
    let own_ics = [
        (&assessments[0], &from_west_yorkshire),
        (&assessments[1], &from_first_ics),
        (&assessments[2], &from_second_ics),
    ];
    for slot in slots(&view) {
        for (assessment, reviewer) in own_ics {
            assert!(
                !(slot["slot"]["assessment_id"] == **assessment
                    && slot["slot"]["reviewer_id"] == **reviewer),
                "nobody reviews their own ICS: {slot}"
            );
        }
        assert!(slot["slot"]["reasons"][0] == "Acute expertise", "{slot}");
    }

    // Swap: a reason is needed, only an eligible reviewer is accepted.
    let slot = slots(&view)
        .into_iter()
        .find(|slot| {
            slot["slot"]["assessment_id"] == *assessments[0]
                && !slot["alternatives"].as_array().unwrap().is_empty()
        })
        .expect("an RR8 place with an alternative")
        .clone();
    let slot_id = slot["slot"]["id"].as_str().unwrap().to_string();
    let alternative = slot["alternatives"][0]["reviewer_id"]
        .as_str()
        .unwrap()
        .to_string();
    let body = post(
        &admin,
        &server,
        SwapReviewer::PATH,
        &[
            ("slot_id", &slot_id),
            ("reviewer_id", &alternative),
            ("reason", " "),
        ],
    )
    .await
    .body;
    assert!(body.contains(&format!("swap-reason-{slot_id}")), "{body}");
    let body = post(
        &admin,
        &server,
        SwapReviewer::PATH,
        &[
            ("slot_id", &slot_id),
            ("reviewer_id", &from_west_yorkshire),
            ("reason", "Knows the trust"),
        ],
    )
    .await
    .body;
    assert!(
        body.contains(&format!("swap-reviewer-{slot_id}")),
        "an ineligible reviewer is refused: {body}"
    );
    let Answer { status, body, .. } = post(
        &admin,
        &server,
        SwapReviewer::PATH,
        &[
            ("slot_id", &slot_id),
            ("reviewer_id", &alternative),
            ("reason", "Balancing experience"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // Refusals are audited too, beside their requests: the latest change is what counts here.
    let swap_record = &store::audit::recent(&db.pool, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|record| record.action != "refused")
        .unwrap();
    assert_eq!(swap_record.action, "swap proposed reviewer");
    assert_eq!(swap_record.reason.as_deref(), Some("Balancing experience"));
    assert_eq!(swap_record.after.as_deref(), Some(alternative.as_str()));

    let Answer { status, body, .. } = post(
        &admin,
        &server,
        ConfirmAssignment::PATH,
        &[("cycle_id", &cycle)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for id in &assessments {
        let header = store::assessments::header(db, &AssessmentId::from(id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(header.status, AssessmentStatus::InReview);
    }
    let mail = server.wait_for_mail_to("b@second.nhs.uk").await;
    assert!(
        mail.contains("assessments for you to peer review") && mail.contains("/reviews"),
        "{mail}"
    );

    // The second ICS's reviewer declines one review; another reviewer cannot decline it for them.
    let body = post(&second_client, &server, MyReviews::PATH, NO_FIELDS)
        .await
        .body;
    let reviews: Value = serde_json::from_str(&body).unwrap();
    let review = reviews[0]["slot_id"].as_str().unwrap().to_string();
    let body = post(
        &west_yorkshire_client,
        &server,
        DeclineReview::PATH,
        &[("slot_id", &review), ("reason", "Not mine")],
    )
    .await
    .body;
    assert!(body.contains("Forbidden"), "{body}");
    let body = post(
        &second_client,
        &server,
        DeclineReview::PATH,
        &[("slot_id", &review), ("reason", "")],
    )
    .await
    .body;
    assert!(body.contains(&format!("decline-reason-{review}")), "{body}");
    let Answer { status, body, .. } = post(
        &second_client,
        &server,
        DeclineReview::PATH,
        &[
            ("slot_id", &review),
            ("reason", "On leave for the whole review period"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let body = post(
        &admin,
        &server,
        GetAssignment::PATH,
        &[("cycle_id", &cycle)],
    )
    .await
    .body;
    let view: Value = serde_json::from_str(&body).unwrap();
    let declined = slots(&view)
        .into_iter()
        .find(|slot| slot["slot"]["id"] == *review)
        .unwrap()
        .clone();
    assert_eq!(declined["slot"]["status"], "Declined");
    assert_eq!(
        declined["slot"]["decline_reason"],
        "On leave for the whole review period"
    );
    let replacement = declined["replacement"]["reviewer_id"]
        .as_str()
        .expect("a replacement is offered")
        .to_string();
    assert_ne!(
        replacement, from_second_ics,
        "not the reviewer who declined"
    );
    let Answer { status, body, .. } = post(
        &admin,
        &server,
        ReplaceReviewer::PATH,
        &[("slot_id", &review), ("reviewer_id", &replacement)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let body = post(
        &admin,
        &server,
        ReplaceReviewer::PATH,
        &[("slot_id", &review), ("reviewer_id", &replacement)],
    )
    .await
    .body;
    assert!(
        body.contains("already been replaced"),
        "one click replaces once: {body}"
    );
    let data = store::assignments::cycle_data(db, &CycleId::from(&cycle))
        .await
        .unwrap();
    let assigned = data
        .slots
        .iter()
        .filter(|slot| slot.status == app::rules::review_assignment::AssignmentStatus::Assigned)
        .count();
    assert_eq!(assigned, 6, "every place is filled again");
    assert!([&from_first_ics, &from_third_ics, &from_west_yorkshire].contains(&&replacement));
    assert_eq!(store::audit::verify_chain(&db.pool).await.unwrap(), None);
}

/// Confirms the cycle's proposal as `admin`; returns the answer.
async fn confirm(server: &TestServer, admin: &reqwest::Client, cycle: &str) -> Answer {
    post(
        admin,
        server,
        ConfirmAssignment::PATH,
        &[("cycle_id", cycle)],
    )
    .await
}

/// How many of the cycle's reviews are proposed and how many assigned.
async fn proposed_and_assigned(server: &TestServer, cycle: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN status = 'proposed' THEN 1 ELSE 0 END), 0), \
                COALESCE(SUM(CASE WHEN status = 'assigned' THEN 1 ELSE 0 END), 0) \
         FROM review_assignments WHERE cycle_id = $1",
    )
    .bind(cycle)
    .fetch_one(&server.state.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_conflict_declared_or_an_account_disabled_after_the_proposal_stops_its_confirmation() {
    use app::api::accounts::SetPersonActive;
    use app::api::reviewers::{DeclareConflict, WithdrawConflict};
    let server = start_server().await;
    let db = &server.state.db;
    let cycle = CycleBuilder::new().open(&server).await;
    let ((trust, _), (_, second_ics), third_ics) = two_trusts_and_a_third_ics(&server).await;
    let assessment = AssessmentBuilder::new(&cycle, &trust)
        .status(AssessmentStatus::Submitted)
        .build(&server)
        .await;
    // Exactly two eligible reviewers for the two places: both are proposed.
    let (first, _) = reviewer(&server, "a@second.nhs.uk", &second_ics).await;
    let (second, _) = reviewer(&server, "b@third.nhs.uk", &third_ics).await;
    let admin = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .signed_in(&server)
        .await;
    let Answer { status, body, .. } = post(
        &admin,
        &server,
        ProposeAssignment::PATH,
        &[("cycle_id", &cycle)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(proposed_and_assigned(&server, &cycle).await, (2, 0));
    let refused = |answer: &Answer| {
        assert!(
            answer
                .body
                .contains("Nothing was confirmed: 1 of its places breaks the rules")
                && answer.body.contains("Propose the assignment again"),
            "{answer:?}"
        );
    };
    let still_proposed = || async {
        assert_eq!(proposed_and_assigned(&server, &cycle).await, (2, 0));
        let header = store::assessments::header(db, &AssessmentId::from(&assessment))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(header.status, AssessmentStatus::Submitted);
    };

    // A conflict with the trust declared after the proposal.
    let conflict = [
        ("account_id", first.as_str()),
        ("trust_ods_code", trust.as_str()),
        ("reason", "Starts there next month"),
    ];
    let answer = post(&admin, &server, DeclareConflict::PATH, &conflict).await;
    assert!(answer.status < 400, "{answer:?}");
    refused(&confirm(&server, &admin, &cycle).await);
    still_proposed().await;
    let answer = post(&admin, &server, WithdrawConflict::PATH, &conflict).await;
    assert!(answer.status < 400, "{answer:?}");

    // A proposed reviewer's account disabled after the proposal.
    let status_change = |active: &'static str| {
        [
            ("account_id", second.clone()),
            ("active", active.to_string()),
            ("reason", "Left the NHS".to_string()),
        ]
    };
    let fields = status_change("false");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = post(&admin, &server, SetPersonActive::PATH, &fields).await;
    assert!(answer.status < 400, "{answer:?}");
    refused(&confirm(&server, &admin, &cycle).await);
    still_proposed().await;

    // With both put right, the same proposal is confirmed.
    let fields = status_change("true");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = post(&admin, &server, SetPersonActive::PATH, &fields).await;
    assert!(answer.status < 400, "{answer:?}");
    let answer = confirm(&server, &admin, &cycle).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(proposed_and_assigned(&server, &cycle).await, (0, 2));
}

//! Security findings of issue 16 closed over HTTP: sign-in returns only to this service, guesses
//! in parallel are throttled, reset links are rationed, a reviewer cannot undo NHS England's
//! conflict declaration, and pages load island code exactly when they have an island.

use app::api::accounts::{RequestPasswordReset, SignIn};
use app::api::reviewers::{DeclareConflict, WithdrawConflict};
use app::rules::accounts::Role;
use e2e::fixtures::{AccountBuilder, AssessmentBuilder, CycleBuilder, PASSWORD};
use e2e::requests::{api_client, page, post, post_with};
use e2e::{start_server, TestServer};
use leptos::server_fn::ServerFn;
use std::sync::Arc;

const LEAD: &str = "lead@trust.nhs.uk";

fn lead() -> AccountBuilder {
    AccountBuilder::new(LEAD).org("RR8").role(Role::TrustLead)
}

fn admin() -> AccountBuilder {
    AccountBuilder::new("admin@england.nhs.uk").role(Role::Admin)
}

/// Signs in as a browser without JavaScript would (a form that accepts HTML), asking to go on
/// to `next`; returns where the service sends the browser.
async fn plain_sign_in(server: &TestServer, next: &str) -> String {
    let referer = format!("{}/sign-in", server.base_url);
    let answer = post_with(
        &api_client(),
        server,
        SignIn::PATH,
        &[("accept", "text/html"), ("referer", &referer)],
        &[("email", LEAD), ("password", PASSWORD), ("next", next)],
    )
    .await;
    answer
        .location
        .unwrap_or_else(|| panic!("{next:?}: a redirect, not {}", answer.status))
}

#[tokio::test]
async fn sign_in_never_sends_anyone_to_another_site() {
    let server = start_server().await;
    lead().create(&server).await;
    assert_eq!(plain_sign_in(&server, "/assessments").await, "/assessments");
    for next in [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/account\r\nSet-Cookie: planted=1",
    ] {
        assert_eq!(plain_sign_in(&server, next).await, "/account", "{next:?}");
    }
}

#[tokio::test]
async fn guesses_sent_at_once_cannot_all_pass_the_limit() {
    let server = Arc::new(start_server().await);
    lead().create(&server).await;
    let guesses = (0..12).map(|n| {
        let server = server.clone();
        tokio::spawn(async move {
            let guess = format!("wrong guess number {n}");
            post(
                &api_client(),
                &server,
                SignIn::PATH,
                &[("email", LEAD), ("password", &guess), ("next", "")],
            )
            .await
            .body
        })
    });
    let mut throttled = 0;
    for guess in guesses {
        if guess
            .await
            .unwrap()
            .contains("too many attempts to sign in")
        {
            throttled += 1;
        }
    }
    assert_eq!(throttled, 12 - 5, "only 5 guesses are checked");
    let answer = post(
        &api_client(),
        &server,
        SignIn::PATH,
        &[("email", LEAD), ("password", PASSWORD), ("next", "")],
    )
    .await;
    assert!(
        answer.body.contains("too many attempts to sign in"),
        "{answer:?}"
    );
}

#[tokio::test]
async fn password_reset_links_are_rationed_whether_or_not_the_account_exists() {
    let server = start_server().await;
    lead().create(&server).await;
    for email in [LEAD, "nobody@trust.nhs.uk"] {
        let client = api_client();
        for _ in 0..3 {
            let answer = post(
                &client,
                &server,
                RequestPasswordReset::PATH,
                &[("email", email)],
            )
            .await;
            assert!(!answer.body.contains("too many"), "{email}: {answer:?}");
        }
        let answer = post(
            &client,
            &server,
            RequestPasswordReset::PATH,
            &[("email", email)],
        )
        .await;
        assert!(
            answer
                .body
                .contains("too many requests for a password reset link"),
            "{email}: {answer:?}"
        );
    }
}

#[tokio::test]
async fn a_reviewer_cannot_withdraw_a_conflict_nhs_england_declared_for_them() {
    let server = start_server().await;
    let admin = admin().signed_in(&server).await;
    let (reviewer, reviewer_id) = AccountBuilder::new("reviewer@mft.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .signed_in_with_id(&server)
        .await;
    for (client, trust) in [(&admin, "RR8"), (&reviewer, "RY6")] {
        let answer = post(
            client,
            &server,
            DeclareConflict::PATH,
            &[
                ("account_id", reviewer_id.as_str()),
                ("trust_ods_code", trust),
                ("reason", "Worked there until 2025"),
            ],
        )
        .await;
        assert!(answer.status < 400, "{trust}: {answer:?}");
    }
    let withdrawal = |trust| {
        [
            ("account_id", reviewer_id.as_str()),
            ("trust_ods_code", trust),
            ("reason", "No longer relevant"),
        ]
    };
    let answer = post(
        &reviewer,
        &server,
        WithdrawConflict::PATH,
        &withdrawal("RR8"),
    )
    .await;
    assert!(answer.body.contains("Forbidden"), "{answer:?}");
    assert!(
        answer.body.contains("only NHS England can withdraw it"),
        "{answer:?}"
    );
    let answer = post(
        &reviewer,
        &server,
        WithdrawConflict::PATH,
        &withdrawal("RY6"),
    )
    .await;
    assert!(answer.status < 400, "their own declaration: {answer:?}");
    let left: Vec<String> = app::store::reviewers::conflicts(&server.state.db, &reviewer_id)
        .await
        .unwrap()
        .into_iter()
        .map(|conflict| conflict.trust_ods_code)
        .collect();
    assert_eq!(left, ["RR8"], "NHS England's declaration stands");
    let answer = post(&admin, &server, WithdrawConflict::PATH, &withdrawal("RR8")).await;
    assert!(answer.status < 400, "an administrator may: {answer:?}");
}

#[tokio::test]
async fn a_page_loads_island_code_exactly_when_it_has_an_island() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    let assessment = AssessmentBuilder::new(&cycle, "RR8").build(&server).await;
    let lead = lead().signed_in(&server).await;
    let admin = admin().signed_in(&server).await;
    let public = api_client();
    let pages = [
        (&public, "/".to_string()),
        (&public, "/organisations".to_string()),
        (&public, "/organisations?q=Leeds".to_string()),
        (&public, "/organisations/trusts/RR8".to_string()),
        (&public, "/sign-in".to_string()),
        (&lead, "/account".to_string()),
        (&lead, "/assessments".to_string()),
        (&lead, format!("/assessments/{assessment}")),
        (
            &lead,
            format!("/assessments/{assessment}/domains/digital-strategy"),
        ),
        (&lead, format!("/assessments/{assessment}/check")),
        (&admin, "/admin/cycles".to_string()),
        (&admin, format!("/admin/cycles/{cycle}")),
        (&admin, format!("/admin/cycles/{cycle}/assignment")),
        (&admin, "/admin/people".to_string()),
        (&admin, "/admin/cycles/new".to_string()),
    ];
    let mut islands = 0;
    for (client, path) in pages {
        let (status, body) = page(client, &server, &path).await;
        assert_eq!(status, 200, "{path}");
        let has_island = body.contains("<leptos-island");
        let loads_code = body.contains("<script type=\"module\"");
        assert_eq!(has_island, loads_code, "{path}");
        islands += usize::from(has_island);
    }
    assert_eq!(islands, 3, "the directory, its search and the domain page");
}

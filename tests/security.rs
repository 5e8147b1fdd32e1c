//! Security findings of issue 16 closed over HTTP: sign-in returns only to this service, guesses
//! in parallel are throttled, reset links are rationed, a reviewer cannot undo NHS England's
//! conflict declaration, and pages load island code exactly when they have an island.

use app::api::accounts::{RequestPasswordReset, SignIn};
use app::api::reviewers::{DeclareConflict, WithdrawConflict};
use app::rules::accounts::Role;
use e2e::{api_client, call, start_server, TestServer};
use leptos::server_fn::ServerFn;

const PASSWORD: &str = "coffee lantern meadow bicycle";

/// Signs in as a browser without JavaScript would (a form that accepts HTML), asking to go on
/// to `next`; returns where the service sends the browser.
async fn plain_sign_in(server: &TestServer, email: &str, next: &str) -> String {
    let response = api_client()
        .post(server.function_url(SignIn::PATH))
        .header("accept", "text/html")
        .header("referer", format!("{}/sign-in", server.base_url))
        .form(&[("email", email), ("password", PASSWORD), ("next", next)])
        .send()
        .await
        .expect("the server answers");
    assert!(
        response.status().is_redirection(),
        "{next:?}: {}",
        response.status()
    );
    response.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn sign_in_never_sends_anyone_to_another_site() {
    let server = start_server().await;
    let email = "lead@trust.nhs.uk";
    server
        .create_account(email, Some("RR8"), &[Role::TrustLead], PASSWORD)
        .await;
    assert_eq!(
        plain_sign_in(&server, email, "/assessments").await,
        "/assessments"
    );
    for next in [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/account\r\nSet-Cookie: planted=1",
    ] {
        assert_eq!(
            plain_sign_in(&server, email, next).await,
            "/account",
            "{next:?}"
        );
    }
}

#[tokio::test]
async fn guesses_sent_at_once_cannot_all_pass_the_limit() {
    let server = start_server().await;
    let email = "lead@trust.nhs.uk";
    server
        .create_account(email, Some("RR8"), &[Role::TrustLead], PASSWORD)
        .await;
    let url = server.function_url(SignIn::PATH);
    let guesses = (0..12).map(|n| {
        let url = url.clone();
        tokio::spawn(async move {
            let guess = format!("wrong guess number {n}");
            call(
                &api_client(),
                &url,
                &[("email", email), ("password", &guess), ("next", "")],
            )
            .await
            .1
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
    let (_, body) = call(
        &api_client(),
        &url,
        &[("email", email), ("password", PASSWORD), ("next", "")],
    )
    .await;
    assert!(body.contains("too many attempts to sign in"), "{body}");
}

#[tokio::test]
async fn password_reset_links_are_rationed_whether_or_not_the_account_exists() {
    let server = start_server().await;
    server
        .create_account(
            "lead@trust.nhs.uk",
            Some("RR8"),
            &[Role::TrustLead],
            PASSWORD,
        )
        .await;
    for email in ["lead@trust.nhs.uk", "nobody@trust.nhs.uk"] {
        let client = api_client();
        let url = server.function_url(RequestPasswordReset::PATH);
        for _ in 0..3 {
            let (status, body) = call(&client, &url, &[("email", email)]).await;
            assert!(!body.contains("too many"), "{email}: {status} {body}");
        }
        let (_, body) = call(&client, &url, &[("email", email)]).await;
        assert!(
            body.contains("too many requests for a password reset link"),
            "{email}: {body}"
        );
    }
}

#[tokio::test]
async fn a_reviewer_cannot_withdraw_a_conflict_nhs_england_declared_for_them() {
    let server = start_server().await;
    let admin = server
        .signed_in_client("admin@england.nhs.uk", None, &[Role::Admin])
        .await;
    let reviewer_email = "reviewer@mft.nhs.uk";
    let reviewer = server
        .signed_in_client(reviewer_email, Some("R0A"), &[Role::PeerReviewer])
        .await;
    let reviewer_id = app::store::accounts::find_for_sign_in(&server.state.db, reviewer_email)
        .await
        .unwrap()
        .unwrap()
        .account_id;
    let declare = server.function_url(DeclareConflict::PATH);
    let withdraw = server.function_url(WithdrawConflict::PATH);
    for (client, trust) in [(&admin, "RR8"), (&reviewer, "RY6")] {
        let (status, body) = call(
            client,
            &declare,
            &[
                ("account_id", &reviewer_id),
                ("trust_ods_code", trust),
                ("reason", "Worked there until 2025"),
            ],
        )
        .await;
        assert!(status < 400, "{trust}: {status} {body}");
    }
    let refused = [
        ("account_id", reviewer_id.as_str()),
        ("trust_ods_code", "RR8"),
        ("reason", "No longer relevant"),
    ];
    let (_, body) = call(&reviewer, &withdraw, &refused).await;
    assert!(body.contains("Forbidden"), "{body}");
    assert!(body.contains("only NHS England can withdraw it"), "{body}");
    let own = [
        ("account_id", reviewer_id.as_str()),
        ("trust_ods_code", "RY6"),
        ("reason", "No longer relevant"),
    ];
    let (status, body) = call(&reviewer, &withdraw, &own).await;
    assert!(status < 400, "their own declaration: {status} {body}");
    let left: Vec<String> = app::store::reviewers::conflicts(&server.state.db, &reviewer_id)
        .await
        .unwrap()
        .into_iter()
        .map(|conflict| conflict.trust_ods_code)
        .collect();
    assert_eq!(left, ["RR8"], "NHS England's declaration stands");
    let (status, body) = call(&admin, &withdraw, &refused).await;
    assert!(status < 400, "an administrator may: {status} {body}");
}

#[tokio::test]
async fn a_page_loads_island_code_exactly_when_it_has_an_island() {
    let server = start_server().await;
    let cycle = server.open_acute_cycle("DMA 2026/27", 30).await;
    let assessment = server.acute_assessment(&cycle, "RR8").await;
    let lead = server
        .signed_in_client("lead@leeds.nhs.uk", Some("RR8"), &[Role::TrustLead])
        .await;
    let admin = server
        .signed_in_client("admin@england.nhs.uk", None, &[Role::Admin])
        .await;
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
        let response = client
            .get(format!("{}{path}", server.base_url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let body = response.text().await.unwrap();
        let has_island = body.contains("<leptos-island");
        let loads_code = body.contains("<script type=\"module\"");
        assert_eq!(has_island, loads_code, "{path}");
        islands += usize::from(has_island);
    }
    assert_eq!(islands, 3, "the directory, its search and the domain page");
}

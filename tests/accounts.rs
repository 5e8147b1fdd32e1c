//! Accounts and access over HTTP: sign-in, throttling, links, sessions, cookies, CSRF.

use app::api::accounts::{
    CheckLink, CurrentAccount, RequestPasswordReset, SetPassword, SignIn, SignOut,
};
use app::rules::accounts::Role;
use app::rules::sign_in::{MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS};
use e2e::{api_client, call, link_in, start_server, start_server_with, TestServer};
use leptos::server_fn::ServerFn;
use std::time::Instant;

const PASSWORD: &str = "coffee lantern meadow bicycle";

async fn sign_in(
    server: &TestServer,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> (u16, String) {
    call(
        client,
        &server.function_url(SignIn::PATH),
        &[("email", email), ("password", password), ("next", "")],
    )
    .await
}

async fn who(server: &TestServer, client: &reqwest::Client) -> String {
    call(client, &server.function_url(CurrentAccount::PATH), &[])
        .await
        .1
}

/// Asks for a password reset for `email` and returns the secret from the emailed link.
async fn reset_link_token(server: &TestServer, client: &reqwest::Client, email: &str) -> String {
    let (status, _) = call(
        client,
        &server.function_url(RequestPasswordReset::PATH),
        &[("email", email)],
    )
    .await;
    assert_eq!(status, 200);
    let link = link_in(&server.wait_for_mail_to(email).await);
    link.split("token=")
        .nth(1)
        .expect("a token in the link")
        .to_string()
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.contains("dma-session="))
        .map(str::to_string)
}

#[tokio::test]
async fn signing_in_starts_a_session_that_names_the_person() {
    let server = start_server().await;
    server
        .create_account(
            "Lead@Trust.nhs.uk",
            Some("RR8"),
            &[Role::TrustLead],
            PASSWORD,
        )
        .await;
    let client = api_client();
    assert_eq!(who(&server, &client).await, "null");
    let (status, _) = sign_in(&server, &client, " lead@trust.NHS.uk ", PASSWORD).await;
    assert_eq!(
        status, 200,
        "the email address is matched whatever its case"
    );
    let me = who(&server, &client).await;
    assert!(
        me.contains("\"email\":\"Lead@Trust.nhs.uk\"") && me.contains("TrustLead"),
        "{me}"
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let server = start_server().await;
    server
        .create_account(
            "lead@trust.nhs.uk",
            Some("RR8"),
            &[Role::TrustLead],
            PASSWORD,
        )
        .await;
    let client = api_client();
    let started = Instant::now();
    let wrong_password = sign_in(&server, &client, "lead@trust.nhs.uk", "not the password").await;
    let known_took = started.elapsed();
    let started = Instant::now();
    let unknown_email = sign_in(&server, &client, "nobody@trust.nhs.uk", "not the password").await;
    let unknown_took = started.elapsed();
    assert_eq!(wrong_password, unknown_email);
    assert!(
        wrong_password
            .1
            .contains("Enter a correct email address and password"),
        "{wrong_password:?}"
    );
    // Both paths do an argon2 check, so neither is a quick "no such account". A loose bound: the
    // machine is shared, and this is about the work done, not about speed.
    assert!(
        unknown_took * 3 > known_took,
        "unknown {unknown_took:?} vs known {known_took:?}"
    );
    assert_eq!(who(&server, &client).await, "null");
}

#[tokio::test]
async fn repeated_failures_for_one_account_are_throttled() {
    let server = start_server().await;
    server
        .create_account(
            "lead@trust.nhs.uk",
            Some("RR8"),
            &[Role::TrustLead],
            PASSWORD,
        )
        .await;
    let client = api_client();
    for _ in 0..MAX_FAILURES_PER_ACCOUNT {
        sign_in(&server, &client, "lead@trust.nhs.uk", "wrong wrong wrong").await;
    }
    let (_, body) = sign_in(&server, &client, "lead@trust.nhs.uk", PASSWORD).await;
    assert!(body.contains("too many attempts to sign in"), "{body}");
    assert_eq!(
        who(&server, &client).await,
        "null",
        "even the right password is refused while throttled"
    );
}

#[tokio::test]
async fn many_failures_from_one_address_are_throttled_across_accounts() {
    let server = start_server().await;
    server
        .create_account(
            "lead@trust.nhs.uk",
            Some("RR8"),
            &[Role::TrustLead],
            PASSWORD,
        )
        .await;
    let client = api_client();
    for attempt in 0..MAX_FAILURES_PER_ADDRESS {
        sign_in(
            &server,
            &client,
            &format!("guess{attempt}@trust.nhs.uk"),
            "wrong wrong wrong",
        )
        .await;
    }
    let (_, body) = sign_in(&server, &client, "lead@trust.nhs.uk", PASSWORD).await;
    assert!(body.contains("too many attempts to sign in"), "{body}");
}

#[tokio::test]
async fn signing_in_again_issues_a_new_session_id_and_the_old_one_dies() {
    let server = start_server().await;
    server
        .create_account(
            "lead@trust.nhs.uk",
            Some("RR8"),
            &[Role::TrustLead],
            PASSWORD,
        )
        .await;
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let fields = [
        ("email", "lead@trust.nhs.uk"),
        ("password", PASSWORD),
        ("next", ""),
    ];
    let first = raw
        .post(server.function_url(SignIn::PATH))
        .form(&fields)
        .send()
        .await
        .unwrap();
    let first_cookie = session_cookie(&first).expect("a session cookie");
    let first_pair = first_cookie.split(';').next().unwrap().to_string();
    let second = raw
        .post(server.function_url(SignIn::PATH))
        .header("cookie", &first_pair)
        .form(&fields)
        .send()
        .await
        .unwrap();
    let second_pair = session_cookie(&second)
        .expect("a new cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_ne!(first_pair, second_pair, "sign-in rotates the session id");
    let old = raw
        .post(server.function_url(CurrentAccount::PATH))
        .header("cookie", &first_pair)
        .send()
        .await
        .unwrap();
    assert_eq!(
        old.text().await.unwrap(),
        "null",
        "the pre-rotation id no longer works"
    );
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_and_secure_over_https() {
    for secure in [false, true] {
        let server = start_server_with(secure, false).await;
        server
            .create_account(
                "lead@trust.nhs.uk",
                Some("RR8"),
                &[Role::TrustLead],
                PASSWORD,
            )
            .await;
        let response = reqwest::Client::new()
            .post(server.function_url(SignIn::PATH))
            .form(&[
                ("email", "lead@trust.nhs.uk"),
                ("password", PASSWORD),
                ("next", ""),
            ])
            .send()
            .await
            .unwrap();
        let cookie = session_cookie(&response).expect("a session cookie");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
        assert_eq!(
            cookie.starts_with("__Host-dma-session="),
            secure,
            "{cookie}"
        );
        assert_eq!(cookie.contains("Secure"), secure, "{cookie}");
    }
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let server = start_server().await;
    server
        .create_account(
            "lead@trust.nhs.uk",
            Some("RR8"),
            &[Role::TrustLead],
            PASSWORD,
        )
        .await;
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = raw
        .post(server.function_url(SignIn::PATH))
        .form(&[
            ("email", "lead@trust.nhs.uk"),
            ("password", PASSWORD),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    let pair = session_cookie(&response)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    raw.post(server.function_url(SignOut::PATH))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    let after = raw
        .post(server.function_url(CurrentAccount::PATH))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.text().await.unwrap(),
        "null",
        "a copied cookie is useless after sign-out"
    );
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&server.state.db.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
}

#[tokio::test]
async fn a_password_reset_link_works_once_and_ends_other_sessions() {
    let server = start_server().await;
    server
        .create_account(
            "lead@trust.nhs.uk",
            Some("RR8"),
            &[Role::TrustLead],
            PASSWORD,
        )
        .await;
    let old_session = api_client();
    sign_in(&server, &old_session, "lead@trust.nhs.uk", PASSWORD).await;

    let client = api_client();
    let token = reset_link_token(&server, &client, "lead@trust.nhs.uk").await;
    let token = token.as_str();

    let (status, info) = call(
        &client,
        &server.function_url(CheckLink::PATH),
        &[("token", token)],
    )
    .await;
    assert_eq!(status, 200, "{info}");
    assert!(info.contains("PasswordReset"));

    let new_password = "harbour violet ginger compass";
    let fields = [
        ("token", token),
        ("password", new_password),
        ("confirm_password", new_password),
    ];
    let (status, body) = call(&client, &server.function_url(SetPassword::PATH), &fields).await;
    assert_eq!(status, 200, "{body}");
    let (_, again) = call(&client, &server.function_url(SetPassword::PATH), &fields).await;
    assert!(again.contains("already been used"), "{again}");

    assert_eq!(
        who(&server, &old_session).await,
        "null",
        "sessions from before the reset end"
    );
    assert_eq!(
        sign_in(&server, &client, "lead@trust.nhs.uk", PASSWORD)
            .await
            .0,
        500,
        "the old password no longer works"
    );
    assert_eq!(
        sign_in(&server, &client, "lead@trust.nhs.uk", new_password)
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn an_expired_link_is_refused_with_a_way_forward() {
    let server = start_server().await;
    server
        .create_account(
            "lead@trust.nhs.uk",
            Some("RR8"),
            &[Role::TrustLead],
            PASSWORD,
        )
        .await;
    let client = api_client();
    let token = reset_link_token(&server, &client, "lead@trust.nhs.uk").await;
    sqlx::query("UPDATE account_links SET expires_at = '2000-01-01T00:00:00.000000Z'")
        .execute(&server.state.db.pool)
        .await
        .unwrap();
    let fields = [
        ("token", token.as_str()),
        ("password", "harbour violet ginger compass"),
        ("confirm_password", "harbour violet ginger compass"),
    ];
    let (status, body) = call(&client, &server.function_url(SetPassword::PATH), &fields).await;
    assert_eq!(status, 500);
    assert!(body.contains("This link has expired"), "{body}");
    assert_eq!(
        sign_in(&server, &client, "lead@trust.nhs.uk", PASSWORD)
            .await
            .0,
        200,
        "the password is unchanged"
    );
}

#[tokio::test]
async fn asking_for_a_reset_reveals_nothing_about_whether_an_account_exists() {
    let server = start_server().await;
    server
        .create_account(
            "lead@trust.nhs.uk",
            Some("RR8"),
            &[Role::TrustLead],
            PASSWORD,
        )
        .await;
    let client = api_client();
    let known = client
        .post(server.function_url(RequestPasswordReset::PATH))
        .form(&[("email", "lead@trust.nhs.uk")])
        .send()
        .await
        .unwrap();
    let unknown = client
        .post(server.function_url(RequestPasswordReset::PATH))
        .form(&[("email", "nobody@trust.nhs.uk")])
        .send()
        .await
        .unwrap();
    assert_eq!(known.status(), unknown.status());
    assert_eq!(
        known.headers().get("location"),
        unknown.headers().get("location")
    );
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox")
        .fetch_one(&server.state.db.pool)
        .await
        .unwrap();
    assert_eq!(queued, 1, "only the real account gets an email");
}

#[tokio::test]
async fn a_weak_or_mistyped_new_password_is_refused_and_changes_nothing() {
    let server = start_server().await;
    server
        .create_account(
            "jo.bloggs@trust.nhs.uk",
            Some("RR8"),
            &[Role::TrustLead],
            PASSWORD,
        )
        .await;
    let client = api_client();
    let token = reset_link_token(&server, &client, "jo.bloggs@trust.nhs.uk").await;
    for (password, confirm, expected) in [
        ("short", "short", "at least 12 characters"),
        ("password1234", "password1234", "too easy to guess"),
        (
            "harbour violet ginger compass",
            "harbour violet ginger",
            "do not match",
        ),
    ] {
        let fields = [
            ("token", token.as_str()),
            ("password", password),
            ("confirm_password", confirm),
        ];
        let (status, body) = call(&client, &server.function_url(SetPassword::PATH), &fields).await;
        assert_eq!(status, 500);
        assert!(body.contains(expected), "{password}: {body}");
    }
    assert_eq!(
        sign_in(&server, &client, "jo.bloggs@trust.nhs.uk", PASSWORD)
            .await
            .0,
        200,
        "nothing changed"
    );
    let (status, _) = call(
        &client,
        &server.function_url(CheckLink::PATH),
        &[("token", &token)],
    )
    .await;
    assert_eq!(status, 200, "the link is still usable");
}

#[tokio::test]
async fn a_cross_site_post_is_refused_before_it_changes_anything() {
    let server = start_server().await;
    server
        .create_account(
            "lead@trust.nhs.uk",
            Some("RR8"),
            &[Role::TrustLead],
            PASSWORD,
        )
        .await;
    let client = reqwest::Client::new();
    let url = server.function_url(SignIn::PATH);
    let fields = [
        ("email", "lead@trust.nhs.uk"),
        ("password", PASSWORD),
        ("next", ""),
    ];
    let by_fetch_metadata = client
        .post(&url)
        .header("sec-fetch-site", "cross-site")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(by_fetch_metadata.status(), 403);
    let by_origin = client
        .post(&url)
        .header("origin", "http://evil.example")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(by_origin.status(), 403);
    let same_origin = client
        .post(&url)
        .header("origin", &server.base_url)
        .header("sec-fetch-site", "same-origin")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), 200);
    let audit: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'sign in'")
            .fetch_one(&server.state.db.pool)
            .await
            .unwrap();
    assert_eq!(audit, 1, "only the same-site request signed in");
}

/// Fails `MAX_FAILURES_PER_ADDRESS` sign-ins, each for a different email, each saying it comes
/// from `forwarded_for`.
async fn fail_from(server: &TestServer, forwarded_for: &dyn Fn(i64) -> String) {
    let client = reqwest::Client::new();
    for attempt in 0..MAX_FAILURES_PER_ADDRESS {
        client
            .post(server.function_url(SignIn::PATH))
            .header("x-forwarded-for", forwarded_for(attempt))
            .form(&[
                ("email", format!("guess{attempt}@trust.nhs.uk").as_str()),
                ("password", "wrong wrong wrong"),
                ("next", ""),
            ])
            .send()
            .await
            .unwrap();
    }
}

async fn sign_in_from(server: &TestServer, forwarded_for: &str) -> String {
    let response = reqwest::Client::new()
        .post(server.function_url(SignIn::PATH))
        .header("x-forwarded-for", forwarded_for)
        .form(&[
            ("email", "lead@trust.nhs.uk"),
            ("password", PASSWORD),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    response.text().await.unwrap()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_is_throttled_apart() {
    let server = start_server_with(false, true).await;
    server
        .create_account(
            "lead@trust.nhs.uk",
            Some("RR8"),
            &[Role::TrustLead],
            PASSWORD,
        )
        .await;
    fail_from(&server, &|_| "203.0.113.9, 10.0.0.1".to_string()).await;
    assert!(sign_in_from(&server, "10.0.0.1")
        .await
        .contains("too many attempts"));
    assert_eq!(
        sign_in_from(&server, "10.0.0.2").await,
        "null",
        "another client signs in"
    );
}

#[tokio::test]
async fn without_a_trusted_proxy_a_forged_forwarded_for_does_not_dodge_the_throttle() {
    let server = start_server().await;
    server
        .create_account(
            "lead@trust.nhs.uk",
            Some("RR8"),
            &[Role::TrustLead],
            PASSWORD,
        )
        .await;
    fail_from(&server, &|attempt| format!("10.0.0.{attempt}")).await;
    assert!(sign_in_from(&server, "10.9.9.9")
        .await
        .contains("too many attempts"));
}

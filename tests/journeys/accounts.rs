//! Accounts and access over HTTP: sign-in, throttling, links, sessions, cookies, CSRF.

use app::api::accounts::{
    CheckLink, CurrentAccount, InvitePerson, RequestPasswordReset, SetPassword, SignIn, SignOut,
};
use app::rules::accounts::Role;
use app::rules::sign_in::{MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS};
use e2e::fixtures::{AccountBuilder, PASSWORD};
use e2e::requests::{api_client, cookieless_client, post, post_with, sign_in, NO_FIELDS};
use e2e::{link_in, start_server, start_server_with, TestServer};
use leptos::server_fn::ServerFn;
use reqwest::header::HeaderMap;
use std::time::Instant;

/// The trust lead most tests here sign in as.
fn lead() -> AccountBuilder {
    AccountBuilder::new("lead@trust.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
}

async fn who(server: &TestServer, client: &reqwest::Client) -> String {
    post(client, server, CurrentAccount::PATH, NO_FIELDS)
        .await
        .body
}

/// Asks for a password reset for `email` and returns the secret from the emailed link.
async fn reset_link_token(server: &TestServer, client: &reqwest::Client, email: &str) -> String {
    let answer = post(
        client,
        server,
        RequestPasswordReset::PATH,
        &[("email", email)],
    )
    .await;
    assert_eq!(answer.status, 200);
    let link = link_in(&server.wait_for_mail_to(email).await);
    link.split("token=")
        .nth(1)
        .expect("a token in the link")
        .to_string()
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.contains("dma-session="))
        .map(str::to_string)
}

/// The name=value pair of a Set-Cookie header, as a Cookie header sends it back.
fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn signing_in_starts_a_session_that_names_the_person() {
    let server = start_server().await;
    AccountBuilder::new("Lead@Trust.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .create(&server)
        .await;
    let client = api_client();
    assert_eq!(who(&server, &client).await, "null");
    let status = sign_in(&client, &server, " lead@trust.NHS.uk ", PASSWORD)
        .await
        .status;
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
    lead().create(&server).await;
    let client = api_client();
    let started = Instant::now();
    let wrong_password = sign_in(&client, &server, "lead@trust.nhs.uk", "not the password").await;
    let known_took = started.elapsed();
    let started = Instant::now();
    let unknown_email = sign_in(&client, &server, "nobody@trust.nhs.uk", "not the password").await;
    let unknown_took = started.elapsed();
    let wrong_password = (wrong_password.status, wrong_password.body);
    let unknown_email = (unknown_email.status, unknown_email.body);
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
    lead().create(&server).await;
    let client = api_client();
    for _ in 0..MAX_FAILURES_PER_ACCOUNT {
        sign_in(&client, &server, "lead@trust.nhs.uk", "wrong wrong wrong").await;
    }
    let body = sign_in(&client, &server, "lead@trust.nhs.uk", PASSWORD)
        .await
        .body;
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
    lead().create(&server).await;
    let client = api_client();
    for attempt in 0..MAX_FAILURES_PER_ADDRESS {
        sign_in(
            &client,
            &server,
            &format!("guess{attempt}@trust.nhs.uk"),
            "wrong wrong wrong",
        )
        .await;
    }
    let body = sign_in(&client, &server, "lead@trust.nhs.uk", PASSWORD)
        .await
        .body;
    assert!(body.contains("too many attempts to sign in"), "{body}");
}

#[tokio::test]
async fn signing_in_again_issues_a_new_session_id_and_the_old_one_dies() {
    let server = start_server().await;
    lead().create(&server).await;
    let raw = cookieless_client();
    let fields = [
        ("email", "lead@trust.nhs.uk"),
        ("password", PASSWORD),
        ("next", ""),
    ];
    let first = post(&raw, &server, SignIn::PATH, &fields).await;
    let first_pair = cookie_pair(&session_cookie(&first.headers).expect("a session cookie"));
    let second = post_with(
        &raw,
        &server,
        SignIn::PATH,
        &[("cookie", &first_pair)],
        &fields,
    )
    .await;
    let second_pair = cookie_pair(&session_cookie(&second.headers).expect("a new cookie"));
    assert_ne!(first_pair, second_pair, "sign-in rotates the session id");
    let old = post_with(
        &raw,
        &server,
        CurrentAccount::PATH,
        &[("cookie", &first_pair)],
        NO_FIELDS,
    )
    .await;
    assert_eq!(old.body, "null", "the pre-rotation id no longer works");
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_and_secure_over_https() {
    for secure in [false, true] {
        let server = start_server_with(secure, false).await;
        lead().create(&server).await;
        let answer = sign_in(&cookieless_client(), &server, "lead@trust.nhs.uk", PASSWORD).await;
        let cookie = session_cookie(&answer.headers).expect("a session cookie");
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
    lead().create(&server).await;
    let raw = cookieless_client();
    let answer = sign_in(&raw, &server, "lead@trust.nhs.uk", PASSWORD).await;
    let pair = cookie_pair(&session_cookie(&answer.headers).unwrap());
    let cookie = [("cookie", pair.as_str())];
    post_with(&raw, &server, SignOut::PATH, &cookie, NO_FIELDS).await;
    let after = post_with(&raw, &server, CurrentAccount::PATH, &cookie, NO_FIELDS).await;
    assert_eq!(
        after.body, "null",
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
    lead().create(&server).await;
    let old_session = api_client();
    sign_in(&old_session, &server, "lead@trust.nhs.uk", PASSWORD).await;

    let client = api_client();
    let token = reset_link_token(&server, &client, "lead@trust.nhs.uk").await;
    let token = token.as_str();

    let info = post(&client, &server, CheckLink::PATH, &[("token", token)]).await;
    assert_eq!(info.status, 200, "{}", info.body);
    assert!(info.body.contains("PasswordReset"));

    let new_password = "harbour violet ginger compass";
    let fields = [
        ("token", token),
        ("password", new_password),
        ("confirm_password", new_password),
    ];
    let answer = post(&client, &server, SetPassword::PATH, &fields).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let again = post(&client, &server, SetPassword::PATH, &fields)
        .await
        .body;
    assert!(again.contains("already been used"), "{again}");

    assert_eq!(
        who(&server, &old_session).await,
        "null",
        "sessions from before the reset end"
    );
    assert_eq!(
        sign_in(&client, &server, "lead@trust.nhs.uk", PASSWORD)
            .await
            .status,
        500,
        "the old password no longer works"
    );
    assert_eq!(
        sign_in(&client, &server, "lead@trust.nhs.uk", new_password)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn an_expired_link_is_refused_with_a_way_forward() {
    let server = start_server().await;
    lead().create(&server).await;
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
    let answer = post(&client, &server, SetPassword::PATH, &fields).await;
    assert_eq!(answer.status, 500);
    assert!(
        answer.body.contains("This link has expired"),
        "{}",
        answer.body
    );
    assert_eq!(
        sign_in(&client, &server, "lead@trust.nhs.uk", PASSWORD)
            .await
            .status,
        200,
        "the password is unchanged"
    );
}

#[tokio::test]
async fn asking_for_a_reset_reveals_nothing_about_whether_an_account_exists() {
    let server = start_server().await;
    lead().create(&server).await;
    let client = api_client();
    let known = post(
        &client,
        &server,
        RequestPasswordReset::PATH,
        &[("email", "lead@trust.nhs.uk")],
    )
    .await;
    let unknown = post(
        &client,
        &server,
        RequestPasswordReset::PATH,
        &[("email", "nobody@trust.nhs.uk")],
    )
    .await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.location, unknown.location);
    assert_eq!(known.body, unknown.body);
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox")
        .fetch_one(&server.state.db.pool)
        .await
        .unwrap();
    assert_eq!(queued, 1, "only the real account gets an email");
}

#[tokio::test]
async fn a_weak_or_mistyped_new_password_is_refused_and_changes_nothing() {
    let server = start_server().await;
    AccountBuilder::new("jo.bloggs@trust.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .create(&server)
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
        let answer = post(&client, &server, SetPassword::PATH, &fields).await;
        assert_eq!(answer.status, 500);
        assert!(
            answer.body.contains(expected),
            "{password}: {}",
            answer.body
        );
    }
    assert_eq!(
        sign_in(&client, &server, "jo.bloggs@trust.nhs.uk", PASSWORD)
            .await
            .status,
        200,
        "nothing changed"
    );
    let status = post(&client, &server, CheckLink::PATH, &[("token", &token)])
        .await
        .status;
    assert_eq!(status, 200, "the link is still usable");
}

#[tokio::test]
async fn a_cross_site_post_is_refused_before_it_changes_anything() {
    let server = start_server().await;
    lead().create(&server).await;
    let client = cookieless_client();
    let fields = [
        ("email", "lead@trust.nhs.uk"),
        ("password", PASSWORD),
        ("next", ""),
    ];
    let by_fetch_metadata = post_with(
        &client,
        &server,
        SignIn::PATH,
        &[("sec-fetch-site", "cross-site")],
        &fields,
    )
    .await;
    assert_eq!(by_fetch_metadata.status, 403);
    let by_origin = post_with(
        &client,
        &server,
        SignIn::PATH,
        &[("origin", "http://evil.example")],
        &fields,
    )
    .await;
    assert_eq!(by_origin.status, 403);
    let same_origin = post_with(
        &client,
        &server,
        SignIn::PATH,
        &[
            ("origin", &server.base_url),
            ("sec-fetch-site", "same-origin"),
        ],
        &fields,
    )
    .await;
    assert_eq!(same_origin.status, 200);
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
    let client = cookieless_client();
    for attempt in 0..MAX_FAILURES_PER_ADDRESS {
        post_with(
            &client,
            server,
            SignIn::PATH,
            &[("x-forwarded-for", &forwarded_for(attempt))],
            &[
                ("email", format!("guess{attempt}@trust.nhs.uk").as_str()),
                ("password", "wrong wrong wrong"),
                ("next", ""),
            ],
        )
        .await;
    }
}

async fn sign_in_from(server: &TestServer, forwarded_for: &str) -> String {
    post_with(
        &cookieless_client(),
        server,
        SignIn::PATH,
        &[("x-forwarded-for", forwarded_for)],
        &[
            ("email", "lead@trust.nhs.uk"),
            ("password", PASSWORD),
            ("next", ""),
        ],
    )
    .await
    .body
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_is_throttled_apart() {
    let server = start_server_with(false, true).await;
    lead().create(&server).await;
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
    lead().create(&server).await;
    fail_from(&server, &|attempt| format!("10.0.0.{attempt}")).await;
    assert!(sign_in_from(&server, "10.9.9.9")
        .await
        .contains("too many attempts"));
}

/// Invites a trust lead to RR8 as `client`; returns the answer's body.
async fn invite_lead(server: &TestServer, client: &reqwest::Client, email: &str) -> String {
    post(
        client,
        server,
        InvitePerson::PATH,
        &[
            ("email", email),
            ("display_name", "Deputy Lead"),
            ("org_ods_code", "RR8"),
            ("trust_lead", "on"),
        ],
    )
    .await
    .body
}

/// A trust lead's invitations are rationed, so a stolen account cannot mail the country from
/// the service; NHS England's administrators, who onboard it, are not.
#[tokio::test]
async fn a_trust_lead_may_send_50_invitations_a_day() {
    use app::rules::accounts::TRUST_LEAD_INVITATIONS_PER_DAY;
    let server = start_server().await;
    let lead = lead().signed_in(&server).await;
    for n in 0..TRUST_LEAD_INVITATIONS_PER_DAY {
        let answer = invite_lead(&server, &lead, &format!("deputy{n}@trust.nhs.uk")).await;
        assert!(!answer.contains("invitations today"), "{n}: {answer}");
    }
    let answer = invite_lead(&server, &lead, "one.more@trust.nhs.uk").await;
    assert!(
        answer.contains("You have sent 50 invitations today, the most a trust lead may send in a day. Try again tomorrow, or ask NHS England to invite the rest."),
        "{answer}"
    );
    let admin = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .signed_in(&server)
        .await;
    invite_lead(&server, &admin, "one.more@trust.nhs.uk").await;
    let invited: Vec<String> = sqlx::query_scalar(
        "SELECT email FROM accounts WHERE email LIKE '%@trust.nhs.uk' AND email <> $1",
    )
    .bind("lead@trust.nhs.uk")
    .fetch_all(&server.state.db.pool)
    .await
    .unwrap();
    assert_eq!(
        invited.len(),
        51,
        "the lead's 50 and the administrator's one"
    );
}

/// "Name <address>" is a mailbox, not an address: mail would go to the address inside the
/// brackets, whatever the account shows.
#[tokio::test]
async fn an_invitation_to_a_name_and_address_is_refused() {
    let server = start_server().await;
    let lead = lead().signed_in(&server).await;
    for email in [
        "Deputy <deputy@evil.example>",
        "deputy<deputy@evil.example>",
    ] {
        let answer = invite_lead(&server, &lead, email).await;
        assert!(
            answer.contains("Enter the email address only"),
            "{email}: {answer}"
        );
    }
    let pool = &server.state.db.pool;
    let count = |table: &'static str| async move {
        sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(pool)
            .await
            .unwrap()
    };
    assert_eq!(count("accounts").await, 1, "only the lead's own");
    assert_eq!(count("mail_outbox").await, 0, "no mail");
}

/// Someone on IPv6 may use any address of their /64: the whole network is one client.
#[tokio::test]
async fn an_ipv6_client_cannot_dodge_the_throttle_by_changing_address_within_its_64() {
    let server = start_server_with(false, true).await;
    lead().create(&server).await;
    fail_from(&server, &|attempt| format!("2001:db8:1:2::{attempt:x}")).await;
    assert!(sign_in_from(&server, "2001:db8:1:2:ffff:ffff:ffff:1")
        .await
        .contains("too many attempts"));
    assert_eq!(
        sign_in_from(&server, "2001:db8:1:3::1").await,
        "null",
        "another network signs in"
    );
}

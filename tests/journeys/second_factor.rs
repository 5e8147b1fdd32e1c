//! Signing in with a second factor over HTTP: NHS England roles need a code from an authenticator
//! app (or a recovery code) after their password, each code works once, wrong codes are limited,
//! an app is set up with a code before it counts, and a password alone never reaches an NHS
//! England role.

use app::api::accounts::CurrentAccount;
use app::api::second_factor::{
    ConfirmAuthenticatorSetup, ConfirmSignInCode, RemoveAuthenticator, StartAuthenticatorSetup,
};
use app::rules::accounts::Role;
use app::store;
use app::store::AccountId;
use e2e::fixtures::{AccountBuilder, PASSWORD};
use e2e::requests::{
    api_client, enter_code, page, post, sign_in, signed_in_client, Answer, NO_FIELDS,
};
use e2e::second_factor::{code_at_step, current_step, fresh_code, secret_for};
use e2e::{start_server, TestServer};
use leptos::server_fn::ServerFn;

const MODERATOR: &str = "moderator@england.nhs.uk";

fn moderator() -> AccountBuilder {
    AccountBuilder::new(MODERATOR).role(Role::Moderator)
}

async fn is_signed_in(client: &reqwest::Client, server: &TestServer) -> bool {
    let answer = post(client, server, CurrentAccount::PATH, NO_FIELDS).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body != "null"
}

async fn actions_about(server: &TestServer, account_id: &str) -> Vec<String> {
    store::audit::recent(&server.state.db.pool, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|record| record.entity_id == account_id)
        .map(|record| format!("{}: {}", record.action, record.after.unwrap_or_default()))
        .collect()
}

async fn code(client: &reqwest::Client, server: &TestServer, code: &str) -> Answer {
    post(client, server, ConfirmSignInCode::PATH, &[("code", code)]).await
}

#[tokio::test]
async fn a_moderator_needs_a_code_after_the_password_and_each_code_works_once() {
    let server = start_server().await;
    let id = moderator().create(&server).await;
    let client = api_client();

    let answer = sign_in(&client, &server, MODERATOR, PASSWORD).await;
    assert_eq!(answer.location.as_deref(), Some("/sign-in/code"));
    assert!(
        !is_signed_in(&client, &server).await,
        "the password alone signs nobody in"
    );
    let (status, _) = page(&client, &server, "/moderation").await;
    assert_eq!(
        status, 401,
        "the moderation queue still asks them to sign in"
    );

    let right = fresh_code(&server, &id).await;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let answer = code(&client, &server, wrong).await;
    assert!(
        answer.body.contains("The code is not right"),
        "{}",
        answer.body
    );
    assert!(!is_signed_in(&client, &server).await);

    let answer = code(&client, &server, &right).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.location.as_deref(), Some("/dashboard"));
    assert!(is_signed_in(&client, &server).await);

    // The same code, seen over a shoulder, does not sign anyone in again.
    let thief = api_client();
    sign_in(&thief, &server, MODERATOR, PASSWORD).await;
    let answer = code(&thief, &server, &right).await;
    assert!(
        answer.body.contains("each code works once"),
        "{}",
        answer.body
    );
    assert!(!is_signed_in(&thief, &server).await);

    let actions = actions_about(&server, &id).await;
    assert!(
        actions
            .iter()
            .any(|action| action.starts_with("sign in: from")
                && action.ends_with("with a second factor")),
        "{actions:?}"
    );
    assert_eq!(
        actions
            .iter()
            .filter(|action| action.starts_with("failed sign-in"))
            .count(),
        2,
        "each wrong code is in the audit trail: {actions:?}"
    );
}

#[tokio::test]
async fn a_trust_lead_signs_in_with_a_password_unless_they_added_an_app() {
    let server = start_server().await;
    let plain = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead);
    plain.create(&server).await;
    let client = api_client();
    let answer = sign_in(&client, &server, "lead@rr8.nhs.uk", PASSWORD).await;
    assert_eq!(answer.location.as_deref(), Some("/dashboard"));
    assert!(is_signed_in(&client, &server).await);

    let careful = AccountBuilder::new("careful@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .with_authenticator();
    careful.create(&server).await;
    let client = api_client();
    let answer = sign_in(&client, &server, "careful@rr8.nhs.uk", PASSWORD).await;
    assert_eq!(answer.location.as_deref(), Some("/sign-in/code"));
    assert!(!is_signed_in(&client, &server).await);
    enter_code(&client, &server, "careful@rr8.nhs.uk").await;
    assert!(is_signed_in(&client, &server).await);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let server = start_server().await;
    let id = moderator().create(&server).await;
    let hash = app::api::credentials::hash_password("abcdefghjk".into())
        .await
        .unwrap();
    store::second_factor::enrol(
        &server.state.db,
        &AccountId::from(&id),
        &secret_for(MODERATOR),
        0,
        &[hash],
    )
    .await
    .unwrap();

    let client = api_client();
    sign_in(&client, &server, MODERATOR, PASSWORD).await;
    let answer = code(&client, &server, "ABCDE-FGHJK").await;
    assert_eq!(
        answer.location.as_deref(),
        Some("/dashboard"),
        "{}",
        answer.body
    );
    assert!(is_signed_in(&client, &server).await);
    assert_eq!(
        store::second_factor::recovery_codes_left(&server.state.db, &AccountId::from(&id))
            .await
            .unwrap(),
        0
    );

    let again = api_client();
    sign_in(&again, &server, MODERATOR, PASSWORD).await;
    let answer = code(&again, &server, "abcde-fghjk").await;
    assert!(
        answer.body.contains("The code is not right"),
        "{}",
        answer.body
    );
    assert!(!is_signed_in(&again, &server).await);
    assert!(actions_about(&server, &id)
        .await
        .iter()
        .any(|action| action.starts_with("use recovery code")));
}

#[tokio::test]
async fn wrong_codes_are_limited_even_when_the_next_one_is_right() {
    let server = start_server().await;
    let id = moderator().create(&server).await;
    let client = api_client();
    sign_in(&client, &server, MODERATOR, PASSWORD).await;
    let right = fresh_code(&server, &id).await;
    let wrong = if right == "999999" {
        "888888"
    } else {
        "999999"
    };
    for _ in 0..app::rules::second_factor::MAX_WRONG_CODES_PER_ACCOUNT {
        let answer = code(&client, &server, wrong).await;
        assert!(
            answer.body.contains("The code is not right"),
            "{}",
            answer.body
        );
    }
    let answer = code(&client, &server, &right).await;
    assert!(
        answer.body.contains("too many wrong codes"),
        "{}",
        answer.body
    );
    assert!(!is_signed_in(&client, &server).await);
}

#[tokio::test]
async fn a_code_without_a_password_first_signs_nobody_in() {
    let server = start_server().await;
    let id = moderator().create(&server).await;
    let client = api_client();
    let right = fresh_code(&server, &id).await;
    let answer = code(&client, &server, &right).await;
    assert!(answer.body.contains("Sign in again"), "{}", answer.body);
    assert!(!is_signed_in(&client, &server).await);
    let app = store::second_factor::authenticator(&server.state.db, &AccountId::from(&id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app.last_used_step, 0, "the code was not used up");
}

/// The text of the `<code>` inside the element with `class` on `page`.
fn code_text_in(page: &str, class: &str) -> String {
    let from = page.find(class).expect("the element is on the page");
    let start = page[from..].find("<code>").unwrap() + from + "<code>".len();
    let end = page[start..].find("</code>").unwrap() + start;
    page[start..end].to_string()
}

#[tokio::test]
async fn an_admin_without_an_app_sets_one_up_to_finish_signing_in() {
    let server = start_server().await;
    let admin = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .without_authenticator();
    let id = admin.create(&server).await;
    let client = api_client();
    let answer = sign_in(&client, &server, "admin@england.nhs.uk", PASSWORD).await;
    assert_eq!(answer.location.as_deref(), Some("/sign-in/set-up-app"));
    assert!(!is_signed_in(&client, &server).await);

    let (status, setup_page) = page(&client, &server, "/sign-in/set-up-app").await;
    assert_eq!(status, 200);
    assert!(
        setup_page.contains("<svg"),
        "the QR code is drawn in the page"
    );
    assert!(setup_page.contains("Your role needs a second step"));
    let key = code_text_in(&setup_page, "app-secret-key").replace(' ', "");
    assert_eq!(
        setup_page.matches("<li><code>").count(),
        10,
        "10 recovery codes"
    );
    let recovery = code_text_in(&setup_page, "app-recovery-codes");

    let answer = post(
        &client,
        &server,
        ConfirmAuthenticatorSetup::PATH,
        &[("code", &recovery)],
    )
    .await;
    assert!(
        answer.body.contains("not a recovery code"),
        "{}",
        answer.body
    );
    let step = current_step();
    let wrong = code_at_step(&key, step + 5);
    let answer = post(
        &client,
        &server,
        ConfirmAuthenticatorSetup::PATH,
        &[("code", &wrong)],
    )
    .await;
    assert!(
        answer.body.contains("The code is not right"),
        "{}",
        answer.body
    );
    assert!(
        store::second_factor::authenticator(&server.state.db, &AccountId::from(&id))
            .await
            .unwrap()
            .is_none(),
        "nothing is saved until a right code proves the app was added"
    );

    let answer = post(
        &client,
        &server,
        ConfirmAuthenticatorSetup::PATH,
        &[("code", &code_at_step(&key, step))],
    )
    .await;
    assert_eq!(
        answer.location.as_deref(),
        Some("/dashboard"),
        "{}",
        answer.body
    );
    assert!(is_signed_in(&client, &server).await);
    let app = store::second_factor::authenticator(&server.state.db, &AccountId::from(&id))
        .await
        .unwrap()
        .expect("the app is saved");
    assert_eq!(app.totp_secret, key);
    assert_eq!(
        store::second_factor::recovery_codes_left(&server.state.db, &AccountId::from(&id))
            .await
            .unwrap(),
        10
    );
    assert!(actions_about(&server, &id)
        .await
        .iter()
        .any(|action| action == "set up authenticator app: 10 recovery codes"));
    // The codes shown are kept only as argon2 hashes: none is readable in the table.
    let shown: Vec<String> = setup_page
        .split("<li><code>")
        .skip(1)
        .map(|item| item[..item.find("</code>").unwrap()].to_string())
        .collect();
    assert_eq!(shown.len(), 10);
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT code_hash FROM recovery_codes WHERE account_id = $1")
            .bind(&id)
            .fetch_all(&server.state.db.pool)
            .await
            .unwrap();
    assert_eq!(stored.len(), 10);
    for hash in &stored {
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        for code in &shown {
            let bare: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
            assert!(
                !hash.contains(code.as_str()) && !hash.contains(&bare),
                "{code} in {hash}"
            );
        }
    }

    // A recovery code shown on the page now signs in (once).
    let other = api_client();
    sign_in(&other, &server, "admin@england.nhs.uk", PASSWORD).await;
    let answer = code(&other, &server, &recovery).await;
    assert_eq!(
        answer.location.as_deref(),
        Some("/dashboard"),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn a_password_session_loses_access_when_given_an_nhs_england_role() {
    let server = start_server().await;
    let lead = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead);
    let (client, id) = lead.signed_in_with_id(&server).await;
    assert!(is_signed_in(&client, &server).await);
    store::accounts::set_roles(
        &server.state.db,
        "tests",
        &AccountId::from(&id),
        &[Role::TrustLead, Role::Moderator],
        Some("Joined the moderation team"),
    )
    .await
    .unwrap();
    assert!(
        !is_signed_in(&client, &server).await,
        "a session without a second factor cannot act as a moderator"
    );
    let answer = sign_in(&client, &server, "lead@rr8.nhs.uk", PASSWORD).await;
    assert_eq!(answer.location.as_deref(), Some("/sign-in/set-up-app"));
}

#[tokio::test]
async fn a_signed_in_person_replaces_their_app_and_an_admin_can_remove_a_lost_one() {
    let server = start_server().await;
    let (client, id) = moderator().signed_in_with_id(&server).await;
    let elsewhere = signed_in_client(&server, MODERATOR, PASSWORD).await;
    let old_secret = secret_for(MODERATOR);
    let answer = post(&client, &server, StartAuthenticatorSetup::PATH, NO_FIELDS).await;
    assert!(
        answer.body.contains("Enter your current password"),
        "{}",
        answer.body
    );
    let answer = post(
        &client,
        &server,
        StartAuthenticatorSetup::PATH,
        &[("current_password", "not my password at all")],
    )
    .await;
    assert!(answer.body.contains("not right"), "{}", answer.body);
    let (_, setup_page) = page(&client, &server, "/account/authenticator").await;
    assert!(
        !setup_page.contains("app-secret-key"),
        "no app is being set up"
    );
    let answer = post(
        &client,
        &server,
        StartAuthenticatorSetup::PATH,
        &[("current_password", PASSWORD)],
    )
    .await;
    assert_eq!(answer.location.as_deref(), Some("/account/authenticator"));
    let (_, setup_page) = page(&client, &server, "/account/authenticator").await;
    let key = code_text_in(&setup_page, "app-secret-key").replace(' ', "");
    assert_ne!(key, old_secret, "a new app has a new secret");
    let step = current_step();
    let answer = post(
        &client,
        &server,
        ConfirmAuthenticatorSetup::PATH,
        &[("code", &code_at_step(&key, step))],
    )
    .await;
    assert_eq!(
        answer.location.as_deref(),
        Some("/account?updated=authenticator"),
        "{}",
        answer.body
    );
    assert!(is_signed_in(&client, &server).await, "still signed in");
    assert!(
        !is_signed_in(&elsewhere, &server).await,
        "a new app signs out every other session"
    );
    let app = store::second_factor::authenticator(&server.state.db, &AccountId::from(&id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app.totp_secret, key, "the old app no longer works");
    assert!(actions_about(&server, &id)
        .await
        .iter()
        .any(|action| action.starts_with("replace authenticator app")));

    let admin = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .signed_in(&server)
        .await;
    let answer = post(
        &admin,
        &server,
        RemoveAuthenticator::PATH,
        &[("account_id", &id), ("reason", "")],
    )
    .await;
    assert!(answer.body.contains("Enter the reason"), "{}", answer.body);
    assert!(
        store::second_factor::authenticator(&server.state.db, &AccountId::from(&id))
            .await
            .unwrap()
            .is_some()
    );
    let answer = post(
        &admin,
        &server,
        RemoveAuthenticator::PATH,
        &[
            ("account_id", &id),
            ("reason", "Lost phone and codes; called the service desk"),
        ],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        store::second_factor::authenticator(&server.state.db, &AccountId::from(&id))
            .await
            .unwrap()
            .is_none()
    );
    let fresh = api_client();
    let answer = sign_in(&fresh, &server, MODERATOR, PASSWORD).await;
    assert_eq!(answer.location.as_deref(), Some("/sign-in/set-up-app"));
}

#[tokio::test]
async fn an_administrator_sets_up_an_app_at_first_sign_in_in_a_browser_without_javascript() {
    use e2e::browser::{
        fill, open, start_browser, start_chromedriver, submit, text_of, wait_for_heading,
        wait_for_text,
    };
    let server = start_server().await;
    let id = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .without_authenticator()
        .create(&server)
        .await;
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, false).await;
    open(&client, &format!("{}/sign-in", server.base_url), false).await;
    fill(&client, "email", "admin@england.nhs.uk").await;
    fill(&client, "password", PASSWORD).await;
    submit(&client).await;
    wait_for_heading(&client, "Set up an authenticator app").await;
    let key = text_of(&client, ".app-secret-key code")
        .await
        .replace(' ', "");

    fill(&client, "code", "12345").await;
    submit(&client).await;
    wait_for_text(&client, ".nhsuk-error-summary", "Enter the 6 digits").await;
    assert!(
        store::second_factor::authenticator(&server.state.db, &AccountId::from(&id))
            .await
            .unwrap()
            .is_none()
    );

    // The page shows the same key again after the error: the app already added still works.
    assert_eq!(
        text_of(&client, ".app-secret-key code")
            .await
            .replace(' ', ""),
        key
    );
    let step = current_step();
    fill(&client, "code", &code_at_step(&key, step)).await;
    submit(&client).await;
    wait_for_heading(&client, "What needs you now").await;
    open(&client, &format!("{}/account", server.base_url), false).await;
    wait_for_heading(&client, "Your account").await;
    wait_for_text(&client, "main", "Recovery codes left").await;
    let summary = text_of(&client, "main").await;
    assert!(summary.contains("Set up on"), "{summary}");
    client.close().await.unwrap();
}

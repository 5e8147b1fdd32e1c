//! Security findings of issues 16 and 24 closed over HTTP: sign-in returns only to this service,
//! guesses in parallel are throttled (and those turned away summarised in the audit trail), reset
//! links are rationed, a reviewer cannot undo NHS England's conflict declaration, and pages load
//! island code exactly when they have an island.

use app::api::accounts::{RequestPasswordReset, SignIn};
use app::api::reviewers::{DeclareConflict, WithdrawConflict};
use app::rules::accounts::Role;
use app::store::AccountId;
use e2e::fixtures::{AccountBuilder, AssessmentBuilder, CycleBuilder, PASSWORD};
use e2e::requests::{api_client, page, post, post_with, NO_FIELDS};
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
        assert_eq!(plain_sign_in(&server, next).await, "/dashboard", "{next:?}");
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
    // The attempts turned away wrote nothing; once their window has closed, the audit trail has
    // one record of them all: from where, whom they tried, and why they were turned away.
    let refused_records = || async {
        app::store::audit::recent(&server.state.db.pool, 50)
            .await
            .unwrap()
            .into_iter()
            .filter(|record| record.action == "sign-in refused by the limit")
            .collect::<Vec<_>>()
    };
    assert!(refused_records().await.is_empty());
    let window_closed = jiff::Timestamp::now()
        + jiff::SignedDuration::from_mins(app::rules::sign_in::WINDOW_MINUTES);
    let closed = server.state.refused_attempts.take_closed(window_closed);
    app::store::refused_attempts::record(&server.state.db, &closed)
        .await
        .unwrap();
    let records = refused_records().await;
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!(
        (record.actor.as_str(), record.entity_id.as_str()),
        ("anonymous", "127.0.0.1")
    );
    let after = record.after.as_deref().unwrap_or_default();
    assert!(
        after.starts_with("8 attempts from ") && after.ends_with(&format!("naming {LEAD}")),
        "{after}"
    );
    assert!(
        record
            .reason
            .as_deref()
            .is_some_and(|reason| reason.contains("too many attempts to sign in")),
        "{record:?}"
    );
}

#[tokio::test]
async fn password_reset_requests_from_one_address_are_rationed_whatever_the_email() {
    use app::rules::sign_in::{MAX_RESETS_PER_ACCOUNT, MAX_RESETS_PER_ADDRESS};
    const { assert!(MAX_RESETS_PER_ACCOUNT < MAX_RESETS_PER_ADDRESS) };
    let server = start_server().await;
    lead().create(&server).await;
    let ask = |email: String| {
        let server = &server;
        async move {
            post(
                &api_client(),
                server,
                RequestPasswordReset::PATH,
                &[("email", email.as_str())],
            )
            .await
        }
    };
    // Each address asked for fewer times than its own limit, all from 127.0.0.1.
    for n in 0..MAX_RESETS_PER_ADDRESS {
        let answer = ask(format!("person{n}@trust.nhs.uk")).await;
        assert!(!answer.body.contains("too many"), "{n}: {answer:?}");
    }
    for email in ["someone.new@trust.nhs.uk", LEAD] {
        let answer = ask(email.to_string()).await;
        assert!(
            answer
                .body
                .contains("too many requests for a password reset link"),
            "{email}: {answer:?}"
        );
    }
    let links: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE to_address LIKE $1")
            .bind(format!("%{LEAD}%"))
            .fetch_one(&server.state.db.pool)
            .await
            .unwrap();
    assert_eq!(links, 0, "no link was sent to the lead");
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
    // Declaring NHS England's conflict again would make the reviewer its declarer, free to
    // withdraw it: it is refused, and the declaration stays NHS England's.
    let answer = post(
        &reviewer,
        &server,
        DeclareConflict::PATH,
        &[
            ("account_id", reviewer_id.as_str()),
            ("trust_ods_code", "RR8"),
            ("reason", "Declared again by me"),
        ],
    )
    .await;
    assert!(answer.body.contains("Forbidden"), "{answer:?}");
    assert!(
        answer.body.contains("it stays as they declared it"),
        "{answer:?}"
    );
    let rr8 = app::store::reviewers::conflicts(&server.state.db, &AccountId::from(&reviewer_id))
        .await
        .unwrap()
        .into_iter()
        .find(|conflict| conflict.trust_ods_code == "RR8")
        .unwrap();
    assert_eq!(rr8.reason, "Worked there until 2025");
    assert_eq!(rr8.declared_by, format!("Test {}", Role::Admin.label()));
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
    let refused = refusal_recorded(&server, WithdrawConflict::PATH).await;
    assert_eq!(refused.actor, reviewer_id);
    assert_eq!(refused.after.as_deref(), Some("from 127.0.0.1"));
    assert!(
        refused
            .reason
            .as_deref()
            .is_some_and(|reason| reason.contains("only NHS England can withdraw it")),
        "{refused:?}"
    );
    let answer = post(
        &reviewer,
        &server,
        WithdrawConflict::PATH,
        &withdrawal("RY6"),
    )
    .await;
    assert!(answer.status < 400, "their own declaration: {answer:?}");
    let left: Vec<String> =
        app::store::reviewers::conflicts(&server.state.db, &AccountId::from(&reviewer_id))
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

/// Signing out tells the browser to forget what it kept (ASVS 7.4.x): Clear-Site-Data.
#[tokio::test]
async fn signing_out_clears_what_the_browser_kept() {
    let server = start_server().await;
    let client = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .signed_in(&server)
        .await;
    let answer = post(
        &client,
        &server,
        app::api::accounts::SignOut::PATH,
        NO_FIELDS,
    )
    .await;
    assert_eq!(
        answer
            .headers
            .get("clear-site-data")
            .map(|v| v.to_str().unwrap()),
        Some("\"cache\", \"cookies\", \"storage\"")
    );
    let (status, _) = page(&client, &server, "/account").await;
    assert_ne!(status, 200, "the session has ended");
}

/// A link that works once (here a password reset) is never readable in the database once its
/// email is sent: only the email carries it.
#[tokio::test]
async fn no_usable_link_is_kept_in_the_database_once_its_email_is_sent() {
    let server = start_server().await;
    AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .create(&server)
        .await;
    post(
        &api_client(),
        &server,
        RequestPasswordReset::PATH,
        &[("email", "lead@rr8.nhs.uk")],
    )
    .await;
    let mail = server.wait_for_mail_to("lead@rr8.nhs.uk").await;
    let link = e2e::link_in(&mail);
    let token = link.split("token=").nth(1).expect("a token in the link");
    // The worker marks the message sent just after writing it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let unsent = app::store::outbox::unsent_count(&server.state.db.pool)
            .await
            .unwrap();
        if unsent == 0 || std::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let rows: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT body_text, body_html, secret FROM mail_outbox")
            .fetch_all(&server.state.db.pool)
            .await
            .unwrap();
    for (body, html, secret) in rows {
        assert!(!body.contains(token), "the email's text holds no link");
        assert!(
            html.is_some_and(|html| !html.contains(token)),
            "the email's HTML holds no link"
        );
        assert!(secret.is_none(), "the link is forgotten once sent");
    }
    assert!(
        matches!(
            app::store::accounts::link_state(&server.state.db, token)
                .await
                .unwrap(),
            app::store::accounts::LinkState::Usable { .. }
        ),
        "the emailed link still works"
    );
}

/// A refused sign-in is in the audit trail with where it came from, and stays there after a
/// sign-in that succeeds; so is signing out.
#[tokio::test]
async fn failed_sign_ins_and_sign_outs_are_in_the_audit_trail() {
    let server = start_server().await;
    let id = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .create(&server)
        .await;
    let client = api_client();
    post(
        &client,
        &server,
        SignIn::PATH,
        &[
            ("email", "lead@rr8.nhs.uk"),
            ("password", "not the password"),
        ],
    )
    .await;
    post(
        &client,
        &server,
        SignIn::PATH,
        &[("email", "lead@rr8.nhs.uk"), ("password", PASSWORD)],
    )
    .await;
    post(
        &client,
        &server,
        app::api::accounts::SignOut::PATH,
        NO_FIELDS,
    )
    .await;
    let records = app::store::audit::recent(&server.state.db.pool, 10)
        .await
        .unwrap();
    let actions: Vec<(&str, &str, Option<&str>)> = records
        .iter()
        .map(|r| (r.action.as_str(), r.entity_id.as_str(), r.after.as_deref()))
        .collect();
    assert_eq!(
        &actions[..3],
        [
            ("sign out", id.as_str(), Some("from 127.0.0.1")),
            ("sign in", id.as_str(), Some("from 127.0.0.1")),
            (
                "failed sign-in",
                id.as_str(),
                Some("lead@rr8.nhs.uk from 127.0.0.1")
            ),
        ]
    );
    assert_eq!(
        app::store::audit::verify_chain(&server.state.db.pool)
            .await
            .unwrap(),
        None
    );
}

/// A password typed into the email box by mistake is not kept in the audit trail, which keeps
/// what it is given for ever (ASVS 16.2.5).
#[tokio::test]
async fn a_password_typed_as_the_email_address_is_not_kept_in_the_audit_trail() {
    let server = start_server().await;
    let typed = "Correct Horse Battery Staple 42";
    post(
        &api_client(),
        &server,
        SignIn::PATH,
        &[("email", typed), ("password", typed)],
    )
    .await;
    let records = app::store::audit::recent(&server.state.db.pool, 10)
        .await
        .unwrap();
    let failed = records
        .iter()
        .find(|record| record.action == "failed sign-in")
        .expect("the failed sign-in is audited");
    assert_eq!(failed.entity_id, app::rules::accounts::NOT_AN_EMAIL_ADDRESS);
    for record in &records {
        let kept = format!(
            "{} {:?} {:?}",
            record.entity_id, record.after, record.reason
        );
        assert!(!kept.contains("Horse"), "{kept}");
    }
}

/// A signed-in person's requests for static files, and their pages within a minute of the last
/// write, save nothing: a session is written when it changes.
#[tokio::test]
async fn a_session_is_written_only_when_it_changes() {
    let server = start_server().await;
    let client = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .signed_in(&server)
        .await;
    let stored = || async {
        sqlx::query_as::<_, (String, String)>("SELECT data, expires_at FROM sessions")
            .fetch_all(&server.state.db.pool)
            .await
            .unwrap()
    };
    let before = stored().await;
    assert_eq!(before.len(), 1);
    for path in [
        "/nhsuk/nhsuk-frontend.min.css",
        "/healthz",
        "/account",
        "/assessments",
    ] {
        let (status, _) = page(&client, &server, path).await;
        assert_eq!(status, 200, "{path}");
    }
    assert_eq!(stored().await, before, "nothing was written");
}

/// Changing the password needs the current one, and ends every other session; a person sees
/// their sessions and can end all but this one.
#[tokio::test]
async fn a_password_change_needs_the_current_one_and_ends_other_sessions() {
    use app::api::accounts::{ChangePassword, MySessions, SignOutEverywhereElse};
    let server = start_server().await;
    let lead = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead);
    let laptop = lead.signed_in(&server).await;
    let phone = e2e::requests::signed_in_client(&server, "lead@rr8.nhs.uk", PASSWORD).await;
    let listed = post(&laptop, &server, MySessions::PATH, NO_FIELDS)
        .await
        .body;
    assert_eq!(listed.matches("\"this_one\":true").count(), 1, "{listed}");
    assert_eq!(listed.matches("\"this_one\":false").count(), 1, "{listed}");

    let new_password = "harbour violin thistle compass";
    let wrong = post(
        &laptop,
        &server,
        ChangePassword::PATH,
        &[
            ("current_password", "not my password"),
            ("new_password", new_password),
            ("confirm_password", new_password),
        ],
    )
    .await;
    assert!(
        wrong.body.contains("Your current password is not right"),
        "{}",
        wrong.body
    );
    assert_eq!(
        page(&phone, &server, "/account").await.0,
        200,
        "nothing changed"
    );

    post(
        &laptop,
        &server,
        ChangePassword::PATH,
        &[
            ("current_password", PASSWORD),
            ("new_password", new_password),
            ("confirm_password", new_password),
        ],
    )
    .await;
    assert_eq!(
        page(&laptop, &server, "/account").await.0,
        200,
        "this session carries on"
    );
    assert_ne!(
        page(&phone, &server, "/account").await.0,
        200,
        "the other one has ended"
    );
    let again = e2e::requests::signed_in_client(&server, "lead@rr8.nhs.uk", new_password).await;
    assert_eq!(
        page(&again, &server, "/account").await.0,
        200,
        "the new password works"
    );

    post(&laptop, &server, SignOutEverywhereElse::PATH, NO_FIELDS).await;
    assert_eq!(page(&laptop, &server, "/account").await.0, 200);
    assert_ne!(page(&again, &server, "/account").await.0, 200);
    let actions: Vec<String> = app::store::audit::recent(&server.state.db.pool, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|record| record.action)
        .collect();
    assert!(actions.contains(&"change password".to_string()));
    assert!(actions.contains(&"sign out everywhere else".to_string()));
}

/// The signed-in account's one session: its id and data.
async fn the_session_of(server: &TestServer, account_id: &str) -> (String, serde_json::Value) {
    let (id, data): (String, String) =
        sqlx::query_as("SELECT id, data FROM sessions WHERE account_id = $1")
            .bind(account_id)
            .fetch_one(&server.state.db.pool)
            .await
            .unwrap();
    (id, serde_json::from_str(&data).unwrap())
}

/// Moves the account's session's sign-in `ago` into the past.
async fn signed_in_ago(server: &TestServer, account_id: &str, ago: jiff::SignedDuration) -> String {
    let (id, mut data) = the_session_of(server, account_id).await;
    let signed_in_at = app::store::timestamp(jiff::Timestamp::now() - ago);
    data["signed_in_at"] = signed_in_at.clone().into();
    sqlx::query("UPDATE sessions SET data = $1 WHERE id = $2")
        .bind(data.to_string())
        .bind(id)
        .execute(&server.state.db.pool)
        .await
        .unwrap();
    signed_in_at
}

/// Signing out everywhere else, or changing the password, carries this session on under a new
/// id, but the 12-hour limit still counts from signing in.
#[tokio::test]
async fn restarting_the_session_does_not_renew_its_absolute_limit() {
    use app::api::accounts::{ChangePassword, SignOutEverywhereElse};
    let server = start_server().await;
    let (lead, id) = lead().signed_in_with_id(&server).await;
    let signed_in_at = signed_in_ago(&server, &id, jiff::SignedDuration::from_hours(11)).await;
    let new_password = "harbour violin thistle compass";
    let changes = [
        (SignOutEverywhereElse::PATH, vec![]),
        (
            ChangePassword::PATH,
            vec![
                ("current_password", PASSWORD),
                ("new_password", new_password),
                ("confirm_password", new_password),
            ],
        ),
    ];
    for (path, fields) in changes {
        let (before, _) = the_session_of(&server, &id).await;
        let answer = post(&lead, &server, path, &fields).await;
        assert!(answer.status < 400, "{path}: {answer:?}");
        assert_eq!(page(&lead, &server, "/account").await.0, 200, "{path}");
        let (after, data) = the_session_of(&server, &id).await;
        assert_ne!(before, after, "{path}: a new id");
        assert_eq!(data["signed_in_at"], signed_in_at.as_str(), "{path}");
    }
    signed_in_ago(
        &server,
        &id,
        jiff::SignedDuration::from_hours(app::api::guard::ABSOLUTE_TIMEOUT_HOURS)
            + jiff::SignedDuration::from_mins(1),
    )
    .await;
    assert_ne!(
        page(&lead, &server, "/account").await.0,
        200,
        "it has ended"
    );
}

/// An action refused for lack of permission is in the audit trail: who asked for what, from
/// where, and why it was refused.
#[tokio::test]
async fn refused_actions_are_in_the_audit_trail() {
    use app::api::moderation::ModerationQueue;
    let server = start_server().await;
    let (lead, id) = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .signed_in_with_id(&server)
        .await;
    post(&lead, &server, ModerationQueue::PATH, NO_FIELDS).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let refused = loop {
        let records = app::store::audit::recent(&server.state.db.pool, 5)
            .await
            .unwrap();
        if let Some(record) = records.into_iter().find(|r| r.action == "refused") {
            break record;
        }
        assert!(std::time::Instant::now() < deadline, "no refusal recorded");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(refused.actor, id);
    assert_eq!(refused.entity_id, ModerationQueue::PATH);
    assert_eq!(refused.after.as_deref(), Some("from 127.0.0.1"));
    assert_eq!(
        refused.reason.as_deref(),
        Some("Only NHS England moderators can moderate assessments.")
    );
}

/// The latest "refused" record of a request to `path`, once it is written (beside the request).
async fn refusal_recorded(server: &TestServer, path: &str) -> app::store::audit::AuditRecord {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let records = app::store::audit::recent(&server.state.db.pool, 20)
            .await
            .unwrap();
        if let Some(record) = records
            .into_iter()
            .find(|record| record.action == "refused" && record.entity_id == path)
        {
            return record;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no refusal of {path} recorded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_refusal_by_the_assessment_lifecycle_is_in_the_audit_trail() {
    use app::api::assessments::SubmitAssessment;
    use app::rules::lifecycle::AssessmentStatus;
    let server = start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    let assessment = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::Submitted)
        .build(&server)
        .await;
    let (lead, id) = lead().signed_in_with_id(&server).await;
    // Submitting again: the lead may read it, but the lifecycle refuses it now.
    let answer = post(
        &lead,
        &server,
        SubmitAssessment::PATH,
        &[
            ("assessment_id", assessment.as_str()),
            ("declaration", "on"),
        ],
    )
    .await;
    assert!(answer.status >= 400, "{answer:?}");
    let refused = refusal_recorded(&server, SubmitAssessment::PATH).await;
    assert_eq!(refused.actor, id);
    assert_eq!(refused.after.as_deref(), Some("from 127.0.0.1"));
    let reason = refused.reason.expect("the lifecycle's words");
    // The words the lead read (up to any punctuation, which the answer may escape).
    let words: String = reason
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == ' ')
        .collect();
    assert!(
        words.len() > 10 && answer.body.contains(&words),
        "{reason:?} in {answer:?}"
    );
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions_at_once() {
    use app::api::accounts::SetPersonActive;
    let server = start_server().await;
    let admin = admin().signed_in(&server).await;
    let (_lead, id) = lead().signed_in_with_id(&server).await;
    let sessions = || async {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE account_id = $1")
            .bind(&id)
            .fetch_one(&server.state.db.pool)
            .await
            .unwrap();
        count
    };
    assert_eq!(sessions().await, 1, "the lead is signed in");
    let answer = post(
        &admin,
        &server,
        SetPersonActive::PATH,
        &[
            ("account_id", id.as_str()),
            ("active", "false"),
            ("reason", "Left the trust"),
        ],
    )
    .await;
    assert!(answer.status < 400, "{answer:?}");
    assert_eq!(sessions().await, 0, "no session of the lead is left");
    let record = app::store::audit::recent(&server.state.db.pool, 5)
        .await
        .unwrap()
        .into_iter()
        .find(|record| record.action == "disable account")
        .unwrap();
    assert_eq!(
        record.after.as_deref(),
        Some("disabled; signed-in sessions ended: 1")
    );
}

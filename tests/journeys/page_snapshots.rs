//! Snapshots of each journey's key pages as the server renders them, so a change to a page's
//! markup shows up as a reviewed diff: the trust's task list, a domain and check your answers, the
//! reviewer's task list, a domain and check your review, the moderator's assessment and domain, and the public
//! results. What varies from run to
//! run (ids, dates, times, hydration markers, whitespace) is normalised away first.

use app::api::release::{PublishResults, ReleaseProvisionally};
use app::rules::accounts::Role;
use app::rules::lifecycle::AssessmentStatus;
use app::store;
use app::store::AssessmentId;
use e2e::fixtures::{acute_domains, signed_off, AccountBuilder, AssessmentBuilder, CycleBuilder};
use e2e::requests::{page, post};
use e2e::{start_server, TestServer};
use leptos::server_fn::ServerFn;

/// Fetches `path` as `client`, checks it is found, and compares its normalised main content with
/// the snapshot `name`.
async fn assert_page_snapshot(
    client: &reqwest::Client,
    server: &TestServer,
    path: &str,
    name: &str,
) {
    let (status, body) = page(client, server, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    insta::assert_snapshot!(name, normalised(&body));
}

/// The page's `<main>`, with ids numbered in order of appearance, build hashes, dates and times
/// replaced, hydration markers and comments removed, and one tag a line.
fn normalised(html: &str) -> String {
    let main = html
        .find("<main")
        .zip(html.find("</main>"))
        .map_or(html, |(start, end)| &html[start..end + "</main>".len()]);
    let mut text = without_comments(main);
    let mut ids: Vec<String> = Vec::new();
    text = replace_matches(&text, uuid_length, |uuid| {
        let position = ids.iter().position(|id| id == uuid).unwrap_or_else(|| {
            ids.push(uuid.to_string());
            ids.len() - 1
        });
        format!("[id {}]", position + 1)
    });
    text = without_hashes(&text);
    text = replace_matches(&text, iso_date_length, |_| "[date]".into());
    text = replace_matches(&text, readable_date_length, |_| "[date]".into());
    text = replace_matches(&text, time_length, |_| "[time]".into());
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("> <", "><")
        .replace("><", ">\n<")
}

/// `html` without `<!-- … -->` comments and Leptos's `<!>` hydration markers.
fn without_comments(html: &str) -> String {
    let mut rest = html.replace("<!>", "");
    let mut kept = String::with_capacity(rest.len());
    while let Some(start) = rest.find("<!--") {
        kept.push_str(&rest[..start]);
        rest = match rest[start..].find("-->") {
            Some(end) => rest[start + end + 3..].to_string(),
            None => String::new(),
        };
    }
    kept.push_str(&rest);
    kept
}

/// `html` without the hash Leptos appends to server functions' paths and islands' names, which
/// depends on where the source is built: "/api/save_domain_answers1068…" becomes
/// "/api/save_domain_answers[hash]". Run after the ids are replaced, whose digits could look alike.
fn without_hashes(html: &str) -> String {
    let mut kept = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        let length = digits(&rest[start..], 1, usize::MAX).expect("a digit");
        let after_name = rest[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        kept.push_str(&rest[..start]);
        if after_name && length >= 10 {
            kept.push_str("[hash]");
        } else {
            kept.push_str(&rest[start..start + length]);
        }
        rest = &rest[start + length..];
    }
    kept.push_str(rest);
    kept
}

/// `text` with each match replaced: `length` says how long a match starting at the front of a
/// slice is (None for no match); a match must not follow a letter or digit.
fn replace_matches(
    text: &str,
    length: fn(&str) -> Option<usize>,
    mut replacement: impl FnMut(&str) -> String,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    let mut after_word = false;
    while index < text.len() {
        let rest = &text[index..];
        if let Some(matched) = (!after_word).then(|| length(rest)).flatten() {
            out.push_str(&replacement(&rest[..matched]));
            index += matched;
            after_word = false;
            continue;
        }
        let next = rest.chars().next().expect("not at the end");
        after_word = next.is_ascii_alphanumeric();
        out.push(next);
        index += next.len_utf8();
    }
    out
}

/// The digits at the front of `text`, if there are from `min` to `max` of them.
fn digits(text: &str, min: usize, max: usize) -> Option<usize> {
    let count = text.bytes().take_while(u8::is_ascii_digit).count();
    (min..=max).contains(&count).then_some(count)
}

/// A lowercase UUID: 8-4-4-4-12 hexadecimal digits.
fn uuid_length(text: &str) -> Option<usize> {
    let bytes = text.as_bytes().get(..36)?;
    let fits = bytes.iter().enumerate().all(|(at, byte)| match at {
        8 | 13 | 18 | 23 => *byte == b'-',
        _ => byte.is_ascii_digit() || (b'a'..=b'f').contains(byte),
    });
    fits.then_some(36)
}

/// A date as stored, "2026-12-07", with any time after it ("T21:14:30.123Z").
fn iso_date_length(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    digits(text, 4, 4)?;
    let fits = bytes.get(4) == Some(&b'-')
        && digits(&text[5..], 2, 2).is_some()
        && bytes.get(7) == Some(&b'-')
        && digits(&text[8..], 2, 2).is_some();
    if !fits {
        return None;
    }
    let time = match bytes.get(10) {
        Some(b'T') => text[10..]
            .bytes()
            .take_while(|byte| byte.is_ascii_digit() || b"T:.+-Z".contains(byte))
            .count(),
        _ => 0,
    };
    Some(10 + time)
}

/// A date as people read it, "7 December 2026".
fn readable_date_length(text: &str) -> Option<usize> {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let day = digits(text, 1, 2)?;
    let rest = text[day..].strip_prefix(' ')?;
    let month = MONTHS.iter().find(|month| rest.starts_with(*month))?;
    let year = rest[month.len()..].strip_prefix(' ')?;
    digits(year, 4, 4)?;
    Some(day + 1 + month.len() + 1 + 4)
}

/// A time of day, "21:14".
fn time_length(text: &str) -> Option<usize> {
    let hours = digits(text, 1, 2)?;
    let minutes = text[hours..].strip_prefix(':')?;
    digits(minutes, 2, 2)?;
    Some(hours + 3)
}

#[tokio::test]
async fn the_trusts_task_list_domain_and_check_answers() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    let lead = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .signed_in(&server)
        .await;
    let assessment = AssessmentBuilder::new(&cycle, "RR8")
        .answer_domains(..1)
        .build(&server)
        .await;
    let domains = acute_domains(&server).await;
    let task_list = format!("/assessments/{assessment}");
    assert_page_snapshot(&lead, &server, &task_list, "trust_task_list").await;
    let domain = format!("/assessments/{assessment}/domains/{}", domains[0].key);
    assert_page_snapshot(&lead, &server, &domain, "trust_domain").await;
    let check = format!("/assessments/{assessment}/check");
    assert_page_snapshot(&lead, &server, &check, "trust_check_answers").await;
}

#[tokio::test]
async fn the_reviewers_task_list_domain_and_check_page() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().in_peer_review(&server).await;
    let (reviewer, reviewer_id) = AccountBuilder::new("first@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .signed_in_with_id(&server)
        .await;
    let assessment = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::InReview)
        .answer_domains(..)
        .reviewer(&reviewer_id)
        .build(&server)
        .await;
    let slot = store::reviews::slots_of(&server.state.db, &AssessmentId::from(&assessment))
        .await
        .unwrap()
        .remove(0)
        .id;
    let task_list = format!("/reviews/{slot}");
    assert_page_snapshot(&reviewer, &server, &task_list, "review_task_list").await;
    let domain = format!(
        "/reviews/{slot}/domains/{}",
        acute_domains(&server).await[0].key
    );
    assert_page_snapshot(&reviewer, &server, &domain, "review_domain").await;
    let check = format!("/reviews/{slot}/check");
    assert_page_snapshot(&reviewer, &server, &check, "review_check").await;
}

#[tokio::test]
async fn the_moderators_assessment_and_domain() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().in_peer_review(&server).await;
    let reviewer = AccountBuilder::new("first@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .create(&server)
        .await;
    let assessment = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::Replied)
        .answer_domains(..)
        .reviewer(&reviewer)
        .build(&server)
        .await;
    CycleBuilder::into_moderation(&server, &cycle).await;
    let moderator = AccountBuilder::new("moderator@england.nhs.uk")
        .role(Role::Moderator)
        .signed_in(&server)
        .await;
    let domains = acute_domains(&server).await;
    let overview = format!("/moderation/{assessment}");
    assert_page_snapshot(&moderator, &server, &overview, "moderation_assessment").await;
    let domain = format!("/moderation/{assessment}/domains/{}", domains[0].key);
    assert_page_snapshot(&moderator, &server, &domain, "moderation_domain").await;
}

#[tokio::test]
async fn the_public_results() {
    let server = start_server().await;
    let (cycle, _) = signed_off(&server, true).await;
    let admin = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .signed_in(&server)
        .await;
    let release = [("cycle_id", cycle.as_str()), ("working_days", "5")];
    post(&admin, &server, ReleaseProvisionally::PATH, &release).await;
    crate::results::close_queries(&server, &cycle).await;
    let publish = [("cycle_id", cycle.as_str()), ("note", "")];
    let answer = post(&admin, &server, PublishResults::PATH, &publish).await;
    assert!(answer.status < 400, "{}", answer.body);
    let public = e2e::requests::cookieless_client();
    let national = format!("/results/{cycle}");
    assert_page_snapshot(&public, &server, &national, "results_national").await;
    let trust = format!("/results/{cycle}/trusts/RR8");
    assert_page_snapshot(&public, &server, &trust, "results_trust").await;
}

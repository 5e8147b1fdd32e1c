//! Bad input to every server function (issue #17). Every function in the registry (the one the
//! authorization matrix checks its table against, so a new function is covered without being
//! listed here) is sent malformed bodies: no fields, each field it needs left out, values of the
//! wrong type or out of range, huge and unusual strings, repeated and nested fields, ids no record
//! has, another trust's ids, and bodies that are not forms at all. Each must be answered (a panic
//! drops the connection, and the panic hook below sees it wherever it happens), with the service's
//! typed error in plain English or an ordinary answer, and leave the database as it was.
//!
//! The functions' fields are not listed per function: [`FIELDS`] names every field any server
//! function takes, with a value of the right type that leads nowhere on its own. Functions
//! ignore fields they do not take, so every body carries all of them, and the fields a function
//! cannot do without are found by leaving groups of them out ([`Run::needed_fields`]). A new
//! function with a new needed field fails the test until the field is added to [`FIELDS`].

use app::api::accounts::{SignOut, SignOutEverywhereElse};
use app::error::AppError;
use app::rules::accounts::Role;
use app::rules::lifecycle::AssessmentStatus;
use app::store::new_id;
use app::store::CycleId;
use e2e::fixtures::{acute_domains, AccountBuilder, AssessmentBuilder, CycleBuilder};
use e2e::{start_server, TestServer};
use leptos::server_fn::error::ServerFnUrlError;
use leptos::server_fn::ServerFn;
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION, REFERER};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once, PoisonError};
use std::time::Instant;

/// What a field holds in a well-formed body.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// An assessment's id: one no assessment has, or for the trust lead the other trust's.
    Assessment,
    /// An account's id: none's, or another trust's peer reviewer's.
    Account,
    /// A review's id: none's, or one of another trust's assessment.
    Slot,
    /// A cycle's id: none's, or the cycle's (which is no trust's own).
    Cycle,
    /// An organisation's ODS code: none's, or the other trust's.
    Ods,
    /// A domain's key: none's, or a real one.
    Domain,
    /// An id of something there is none of here (a link, an email, a query): always a fresh one.
    Unknown,
    /// Inputs by key, `answers[key][met]`: left out of well-formed bodies (they default to none).
    Map,
    /// A value of the right type that, with the rest, makes no call succeed: an email address
    /// that is not one, dates that are not dates, a password that is wrong.
    Text(&'static str),
}

/// Every field of every server function in app/src/api, by name. Where functions disagree on a
/// field's type (`version` is a number in saves, text in results), the value suits all of them.
const FIELDS: &[(&str, Kind)] = &[
    ("account_id", Kind::Account),
    ("active", Kind::Text("false")),
    ("acute", Kind::Text("on")),
    ("admin", Kind::Text("on")),
    ("ambulance", Kind::Text("on")),
    ("answer", Kind::Text("An answer")),
    ("answers", Kind::Map),
    ("approver", Kind::Text("on")),
    ("assessment_id", Kind::Assessment),
    ("assessments", Kind::Map),
    ("attachment_id", Kind::Unknown),
    ("capacity", Kind::Text("2")),
    ("care_setting", Kind::Text("acute")),
    ("code", Kind::Ods),
    ("comment", Kind::Text("A comment")),
    ("community", Kind::Text("on")),
    ("confidence", Kind::Text("high")),
    ("confirm_password", Kind::Text("not the password")),
    ("criteria", Kind::Map),
    ("current_password", Kind::Text("not the password")),
    ("cycle_id", Kind::Cycle),
    ("deadline", Kind::Text("not a date")),
    ("declaration", Kind::Text("confirmed")),
    ("display_name", Kind::Text("Someone")),
    ("domain_key", Kind::Domain),
    ("domains", Kind::Map),
    ("email", Kind::Text("not an email address")),
    ("evidence", Kind::Text("Some evidence")),
    ("file_sha256", Kind::Text("not a hash")),
    ("framework_version", Kind::Text("0.0")),
    ("from_phase", Kind::Text("setup")),
    ("icb", Kind::Text("on")),
    ("id", Kind::Assessment),
    ("import_id", Kind::Unknown),
    ("insufficient_evidence", Kind::Text("on")),
    ("judgements", Kind::Map),
    ("mental_health", Kind::Text("on")),
    ("moderation_deadline", Kind::Text("not a date")),
    ("moderator", Kind::Text("on")),
    ("name", Kind::Text("A name")),
    (
        "new_password",
        Kind::Text("another password that is long enough"),
    ),
    ("next", Kind::Text("/")),
    ("note", Kind::Text("A note")),
    ("ods_code", Kind::Ods),
    ("opens_on", Kind::Text("not a date")),
    ("order", Kind::Text("risk")),
    ("org_ods_code", Kind::Ods),
    ("password", Kind::Text("not the password")),
    ("peer_reviewer", Kind::Text("on")),
    ("publication_on", Kind::Text("not a date")),
    ("query", Kind::Text("leeds")),
    ("query_id", Kind::Unknown),
    ("question", Kind::Text("Why?")),
    ("rationale", Kind::Text("Because")),
    ("reason", Kind::Text("Because")),
    ("region", Kind::Text("Y60")),
    ("regions", Kind::Text("Y60")),
    ("reopen", Kind::Text("on")),
    ("reply_deadline", Kind::Text("not a date")),
    ("request_id", Kind::Unknown),
    ("response", Kind::Text("accept")),
    ("review_deadline", Kind::Text("not a date")),
    ("reviewer_capacity", Kind::Text("3")),
    ("reviewer_id", Kind::Account),
    ("reviewers_per_assessment", Kind::Text("2")),
    ("role", Kind::Text("admin")),
    ("score", Kind::Text("1")),
    ("self_scores", Kind::Text("on")),
    ("slot_id", Kind::Slot),
    ("sort", Kind::Text("name")),
    ("status", Kind::Text("replied")),
    ("submission_deadline", Kind::Text("not a date")),
    ("summary", Kind::Text("A summary")),
    ("task", Kind::Unknown),
    ("then", Kind::Text("continue")),
    ("token", Kind::Unknown),
    ("trust_lead", Kind::Text("on")),
    ("trust_ods_code", Kind::Ods),
    ("verdict", Kind::Text("accurate")),
    ("version", Kind::Text("0")),
    ("working_days", Kind::Text("5")),
];

/// The records the id fields name.
struct Ids {
    assessment: String,
    account: String,
    slot: String,
    cycle: String,
    ods: String,
    domain: String,
}

impl Ids {
    /// Ids no record has.
    fn unknown() -> Ids {
        Ids {
            assessment: new_id(),
            account: new_id(),
            slot: new_id(),
            cycle: new_id(),
            ods: "ZZ9".into(),
            domain: "no-such-domain".into(),
        }
    }
}

/// A body with every field of [`FIELDS`] but the maps, of the right type, naming `ids`.
fn well_formed(ids: &Ids) -> Vec<(String, String)> {
    FIELDS
        .iter()
        .filter_map(|(name, kind)| {
            let value = match kind {
                Kind::Map => return None,
                Kind::Assessment => ids.assessment.clone(),
                Kind::Account => ids.account.clone(),
                Kind::Slot => ids.slot.clone(),
                Kind::Cycle => ids.cycle.clone(),
                Kind::Ods => ids.ods.clone(),
                Kind::Domain => ids.domain.clone(),
                Kind::Unknown => new_id(),
                Kind::Text(text) => text.to_string(),
            };
            Some((name.to_string(), value))
        })
        .collect()
}

/// Values of the wrong type, out of range or unusual: each is put in every field at once, maps
/// included (as `answers[value]=value`). Already form-encoded, so that some can be malformed.
fn unusual_values() -> Vec<(&'static str, String)> {
    let text = |label, value: &str| (label, encode(value));
    vec![
        text("text where a number is expected", "abc"),
        text("a negative number", "-1"),
        text("the largest 64-bit number", "9223372036854775807"),
        text("the smallest 64-bit number", "-9223372036854775808"),
        text("a number beyond 64 bits", "99999999999999999999999"),
        text("a number beyond a byte", "256"),
        text("a fraction", "1.5"),
        text("a boolean as maybe", "maybe"),
        text("empty", ""),
        text("only white space", " \t\r\n "),
        text("NUL", "\0"),
        text("NUL inside text", "a\0b"),
        text("a right-to-left override", "\u{202E}lanoitaN\u{202C}"),
        text(
            "zero-width, combining and byte-order characters",
            "\u{200B}e\u{301}\u{FEFF}",
        ),
        text(
            "emoji",
            "\u{1F3E5}\u{1F469}\u{1F3FD}\u{200D}\u{2695}\u{FE0F}",
        ),
        text("SQL", "'; DROP TABLE accounts; --"),
        text("HTML", "<script>alert(1)</script>"),
        text("a path", "../../../../etc/passwd"),
        text("format strings", "%s%n{0}{}"),
        text("10 KB", &"x".repeat(10_000)),
        ("invalid UTF-8, percent-encoded", "%FF%FE".into()),
        ("an overlong NUL, percent-encoded", "%C0%80".into()),
        ("a broken escape", "%".into()),
        ("a bad escape", "%zz".into()),
    ]
}

/// A request to send: what it is (for the report) and the body as sent.
struct Probe {
    label: String,
    content_type: Option<&'static str>,
    /// Sent as a browser without JavaScript posts a form: accepting HTML, from a page.
    from_browser: bool,
    body: Vec<u8>,
}

const FORM: &str = "application/x-www-form-urlencoded";

impl Probe {
    fn raw(label: impl Into<String>, content_type: Option<&'static str>, body: Vec<u8>) -> Probe {
        Probe {
            label: label.into(),
            content_type,
            from_browser: false,
            body,
        }
    }

    fn form(label: impl Into<String>, fields: &[(String, String)]) -> Probe {
        Probe::raw(label, Some(FORM), form(fields))
    }
}

/// Form-encodes `text` as a browser does.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

fn form(fields: &[(String, String)]) -> Vec<u8> {
    fields
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// Every field of [`FIELDS`] set to `encoded`, as it is.
fn uniform(encoded: &str) -> Vec<u8> {
    FIELDS
        .iter()
        .map(|(name, kind)| match kind {
            Kind::Map => format!("{name}[{encoded}]={encoded}"),
            _ => format!("{name}={encoded}"),
        })
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// Bytes that are no text: every byte value, in a scrambled order, so invalid UTF-8.
fn garbage() -> Vec<u8> {
    (0..4096u32).map(|i| (i * 7919 % 256) as u8).collect()
}

/// How an answer is judged.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// No error: the function took the input (the database check says what it did).
    Accepted,
    /// The service's typed error, with a plain-English message.
    Refused,
    /// The error the service answers a body it cannot read with, `AppError::unreadable()`
    /// (app/src/error.rs; the serde text goes to the log only).
    Unreadable,
    /// Anything else: what is wrong with it.
    Bad(String),
}

/// Text that gives away the implementation rather than telling a person what to do.
const LEAKS: &[&str] = &[
    "missing field",
    "invalid type:",
    "invalid value:",
    "unknown variant",
    "deserializ",
    "serde",
    "panicked",
    "unwrap()",
    "sqlx",
    "sqlite",
    "error returned from database",
    "ServerFnError",
];

/// The error an answer carries: in the body (JSON), or for a browser without JavaScript in the
/// address it is sent back to (`__err`, as Leptos encodes it there); None for an answer that is no
/// error.
fn error_in(status: u16, location: Option<&str>, body: &str) -> Option<Result<AppError, String>> {
    let in_address = location
        .and_then(|location| reqwest::Url::parse(location).ok())
        .and_then(|url| {
            url.query_pairs()
                .find(|(name, _)| name == "__err")
                .map(|(_, error)| error.into_owned())
        });
    if let Some(error) = in_address {
        return Some(Ok(ServerFnUrlError::<AppError>::decode_err(&error)));
    }
    if status < 400 {
        return None;
    }
    Some(serde_json::from_str::<AppError>(body).map_err(|_| {
        format!(
            "{status}, not the service's typed error: {}",
            shortened(body)
        )
    }))
}

fn judge(error: &AppError) -> Verdict {
    let message = error.to_string();
    let lower = message.to_lowercase();
    match error {
        _ if *error == AppError::unreadable() => Verdict::Unreadable,
        AppError::Unreachable => Verdict::Bad(format!(
            "\"{message}\": the service answered, so it was reached"
        )),
        AppError::Internal => Verdict::Bad(format!(
            "the internal error (\"{message}\"): a failure, not an answer to the input"
        )),
        _ if message.trim().is_empty() => Verdict::Bad("an empty message".into()),
        _ => match LEAKS
            .iter()
            .find(|leak| lower.contains(&leak.to_lowercase()))
        {
            Some(leak) => Verdict::Bad(format!(
                "internal text ({leak:?}) in the message: {}",
                shortened(&message)
            )),
            None => Verdict::Refused,
        },
    }
}

fn shortened(text: &str) -> String {
    let mut short: String = text.chars().take(300).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// Functions that take no input, so every post to them is a real call whatever its body, and
/// that change the database when called: signing out (its audit record) and signing out
/// everywhere else (the account's `sessions_valid_after` and its audit record). They are sent
/// every body like the rest, but what they change is not compared.
const ACT_ON_ANY_BODY: &[&str] = &[SignOut::PATH, SignOutEverywhereElse::PATH];

/// Sends probes and keeps what was wrong with the answers.
struct Run<'a> {
    server: &'a TestServer,
    /// Who is asking, for the report.
    who: &'static str,
    failures: Vec<String>,
    /// By probe: the functions that answered it as a body they cannot read.
    unreadable: BTreeMap<String, BTreeSet<String>>,
    /// Error messages longer than 500 characters (input echoed back), by function.
    long_messages: BTreeSet<String>,
    /// By probe: the functions that took it (answered 2xx or 3xx).
    accepted: BTreeMap<String, BTreeSet<String>>,
    requests: usize,
}

impl Run<'_> {
    async fn send(
        &mut self,
        client: &reqwest::Client,
        path: &str,
        probe: &Probe,
    ) -> Option<Verdict> {
        self.requests += 1;
        let mut request = client
            .post(self.server.function_url(path))
            .body(probe.body.clone());
        if let Some(content_type) = probe.content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        if probe.from_browser {
            request = request
                .header(ACCEPT, "text/html")
                .header(REFERER, format!("{}/", self.server.base_url));
        }
        let answer = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|location| location.to_str().ok())
                    .map(str::to_string);
                response.text().await.map(|body| (status, location, body))
            }
            Err(error) => Err(error),
        };
        let (status, location, body) = match answer {
            Ok(answer) => answer,
            Err(error) => {
                self.failures.push(format!(
                    "{} {path} [{}]: no answer ({error:?}); a panic drops the connection",
                    self.who, probe.label
                ));
                return None;
            }
        };
        let (verdict, message) = match error_in(status, location.as_deref(), &body) {
            None => (Verdict::Accepted, String::new()),
            Some(Ok(error)) => (judge(&error), error.to_string()),
            Some(Err(why)) => (Verdict::Bad(why), String::new()),
        };
        let record = |map: &mut BTreeMap<String, BTreeSet<String>>| {
            map.entry(probe.label.clone())
                .or_default()
                .insert(path.to_string());
        };
        match &verdict {
            Verdict::Bad(why) => self.failures.push(format!(
                "{} {path} [{}]: {status}, {why}",
                self.who, probe.label
            )),
            Verdict::Accepted => record(&mut self.accepted),
            Verdict::Unreadable => record(&mut self.unreadable),
            Verdict::Refused if message.len() > 500 => {
                self.long_messages.insert(format!(
                    "{path} [{}]: {} bytes: {}",
                    probe.label,
                    message.len(),
                    shortened(&message)
                ));
            }
            Verdict::Refused => {}
        }
        Some(verdict)
    }

    /// The fields of `well_formed` that `path` cannot do without: those whose absence makes the
    /// body unreadable. Found by halving, from all of them (the empty body): a group is split
    /// only while leaving it out makes the body unreadable, so each needed field is also sent
    /// missing on its own.
    async fn needed_fields(
        &mut self,
        client: &reqwest::Client,
        path: &str,
        well_formed: &[(String, String)],
    ) -> Vec<String> {
        let mut needed = Vec::new();
        let mut groups = vec![well_formed
            .iter()
            .map(|(name, _)| name.clone())
            .collect::<Vec<_>>()];
        while let Some(group) = groups.pop() {
            if group.len() == 1 {
                needed.extend(group);
                continue;
            }
            let (first, second) = group.split_at(group.len() / 2);
            for half in [first, second] {
                let fields: Vec<(String, String)> = well_formed
                    .iter()
                    .filter(|(name, _)| !half.contains(name))
                    .cloned()
                    .collect();
                let label = format!("well-formed without {}", shortened(&half.join(", ")));
                let probe = Probe::form(label, &fields);
                if self.send(client, path, &probe).await == Some(Verdict::Unreadable) {
                    groups.push(half.to_vec());
                }
            }
        }
        needed.sort();
        needed
    }

    /// Everything malformed, to `path`, asked by someone allowed to call most functions; the
    /// ids name no record.
    async fn barrage(&mut self, client: &reqwest::Client, path: &str) {
        let garbage = Probe::raw("bytes that are no text", Some(FORM), garbage());
        self.send(client, path, &garbage).await;
        let empty = self
            .send(client, path, &Probe::form("no fields at all", &[]))
            .await;

        let well_formed = well_formed(&Ids::unknown());
        let probe = Probe::form("well-formed, with ids no record has", &well_formed);
        if self.send(client, path, &probe).await == Some(Verdict::Unreadable) {
            self.failures.push(format!(
                "{path} cannot read the well-formed body: a field it needs is missing from FIELDS, \
                 or has the wrong type there"
            ));
        }
        let needed = if empty == Some(Verdict::Unreadable) {
            self.needed_fields(client, path, &well_formed).await
        } else {
            Vec::new()
        };

        for (label, value) in unusual_values() {
            let probe = Probe::raw(format!("every field {label}"), Some(FORM), uniform(&value));
            self.send(client, path, &probe).await;
        }
        let mut twice = well_formed.clone();
        twice.extend(
            well_formed
                .iter()
                .map(|(name, _)| (name.clone(), "abc".to_string())),
        );
        self.send(client, path, &Probe::form("every field twice", &twice))
            .await;
        let nested: Vec<(String, String)> = FIELDS
            .iter()
            .map(|(name, _)| (format!("{name}[a][b][c][d][e][f][g]"), "x".to_string()))
            .collect();
        self.send(
            client,
            path,
            &Probe::form("every field nested seven deep", &nested),
        )
        .await;
        let lists: Vec<(String, String)> = FIELDS
            .iter()
            .flat_map(|(name, _)| {
                [
                    (format!("{name}[]"), "a".into()),
                    (format!("{name}[]"), "b".into()),
                ]
            })
            .collect();
        self.send(client, path, &Probe::form("every field a list", &lists))
            .await;

        for field in &needed {
            let huge: Vec<(String, String)> = well_formed
                .iter()
                .map(|(name, value)| {
                    let value = if name == field {
                        "x".repeat(1 << 20)
                    } else {
                        value.clone()
                    };
                    (name.clone(), value)
                })
                .collect();
            self.send(client, path, &Probe::form(format!("{field} 1 MB"), &huge))
                .await;
        }
        if !needed.is_empty() {
            let large: Vec<(String, String)> = well_formed
                .iter()
                .map(|(name, value)| {
                    let value = if needed.contains(name) {
                        "\u{00e9}".repeat(50_000)
                    } else {
                        value.clone()
                    };
                    (name.clone(), value)
                })
                .collect();
            self.send(
                client,
                path,
                &Probe::form("every needed field 100 KB of é", &large),
            )
            .await;
        }
        let mut padded = well_formed.clone();
        padded.push(("padding".into(), "x".repeat(3 << 20)));
        self.send(
            client,
            path,
            &Probe::form("well-formed and 3 MB more", &padded),
        )
        .await;

        let json: serde_json::Map<String, serde_json::Value> = well_formed
            .iter()
            .map(|(name, value)| (name.clone(), value.clone().into()))
            .collect();
        let json = serde_json::to_vec(&json).unwrap();
        self.send(
            client,
            path,
            &Probe::raw("JSON", Some("application/json"), json),
        )
        .await;
        self.send(
            client,
            path,
            &Probe::raw(
                "the form as text/plain",
                Some("text/plain"),
                form(&well_formed),
            ),
        )
        .await;
        self.send(
            client,
            path,
            &Probe::raw("the form with no content type", None, form(&well_formed)),
        )
        .await;
        let mut multipart = String::new();
        for (name, value) in &well_formed {
            let _ = write!(
                multipart,
                "--b\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            );
        }
        multipart.push_str("--b--\r\n");
        self.send(
            client,
            path,
            &Probe::raw(
                "the form as multipart",
                Some("multipart/form-data; boundary=b"),
                multipart.into_bytes(),
            ),
        )
        .await;
        let mut browser = Probe::form(
            "well-formed, from a browser without JavaScript",
            &well_formed,
        );
        browser.from_browser = true;
        self.send(client, path, &browser).await;
    }

    /// The trust lead's: another trust's records, and no fields at all.
    async fn other_trust(&mut self, client: &reqwest::Client, path: &str, ids: &Ids) {
        self.send(client, path, &Probe::form("no fields at all", &[]))
            .await;
        let fields = well_formed(ids);
        let probe = Probe::form("another trust's records", &fields);
        self.send(client, path, &probe).await;
        let mut browser = Probe::form(
            "another trust's records, from a browser without JavaScript",
            &fields,
        );
        browser.from_browser = true;
        self.send(client, path, &browser).await;
    }
}

/// What the database holds, by table: each row as text (SQLite's `quote` of each column),
/// sorted. The test server's database is SQLite (`start_server`), so its tables are listed in
/// `sqlite_master`.
type Snapshot = BTreeMap<String, Vec<String>>;

/// Tables not compared: they change on requests that change nothing else, by design.
const NOT_COMPARED: &[&str] = &[
    // A signed-in request refreshes its session's idle timer (at most once a minute), and
    // signing out (everywhere else) ends sessions.
    "sessions",
    // Every wrong password or sign-in code counts towards the sign-in limit, and every password
    // reset request towards its own, however wrong the rest of the request is.
    "sign_in_failures",
];

/// Columns not compared: the mail worker's delivery bookkeeping, which it updates in the
/// background as it sends the mail queued when the cycle opened. What mail there is, and what it
/// says, is compared.
const DELIVERY_COLUMNS: &[(&str, &str)] = &[
    ("mail_outbox", "attempts"),
    ("mail_outbox", "next_attempt_at"),
    ("mail_outbox", "lease_until"),
    ("mail_outbox", "sent_at"),
    ("mail_outbox", "last_error"),
    ("mail_outbox", "secret"),
];

/// Audit records not compared: the trail keeps every refused request (written beside it by
/// `guard::allowed` and `guard::record_refused`), every wrong password and the summaries of the
/// attempts the sign-in limits turned away, whatever else was wrong with the request. Any other
/// new record is a change.
const AUDITED_REFUSALS: &str = "'refused', 'failed sign-in', 'sign-in refused by the limit', \
     'password reset refused by the limit', 'sign-in code refused by the limit'";

async fn snapshot(server: &TestServer) -> Snapshot {
    let pool = &server.state.db.pool;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut snapshot = Snapshot::new();
    for table in tables {
        if NOT_COMPARED.contains(&table.as_str()) {
            continue;
        }
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(pool)
                .await
                .unwrap();
        let row = columns
            .iter()
            .filter(|column| !DELIVERY_COLUMNS.contains(&(table.as_str(), column.as_str())))
            .map(|column| format!("quote(\"{column}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let filter = match table.as_str() {
            "audit_events" => format!(" WHERE action NOT IN ({AUDITED_REFUSALS})"),
            _ => String::new(),
        };
        let mut rows: Vec<String> =
            sqlx::query_scalar(&format!("SELECT {row} FROM \"{table}\"{filter}"))
                .fetch_all(pool)
                .await
                .unwrap();
        rows.sort();
        snapshot.insert(table, rows);
    }
    snapshot
}

/// What differs between two snapshots, a line per table.
fn differences(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let tables: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut lines = Vec::new();
    for table in tables {
        let (old, new) = (
            before.get(table).cloned().unwrap_or_default(),
            after.get(table).cloned().unwrap_or_default(),
        );
        if old == new {
            continue;
        }
        let gone: Vec<&String> = old.iter().filter(|row| !new.contains(row)).collect();
        let added: Vec<&String> = new.iter().filter(|row| !old.contains(row)).collect();
        lines.push(format!(
            "{table}: {} rows before, {} after; gone {:?}; added {:?}",
            old.len(),
            new.len(),
            gone.iter()
                .take(2)
                .map(|row| shortened(row))
                .collect::<Vec<_>>(),
            added
                .iter()
                .take(2)
                .map(|row| shortened(row))
                .collect::<Vec<_>>(),
        ));
    }
    lines
}

/// Panics anywhere in this process while watching. The server runs in the test's own runtime,
/// so a panic in a server function, or in a task one spawned, is seen here with its message;
/// in the handler it also drops the connection (there is no catch-panic layer in
/// server/src/http.rs), which [`Run::send`] reports as no answer.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static WATCHING: AtomicBool = AtomicBool::new(false);

fn watch_for_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if WATCHING.load(Ordering::SeqCst) {
                PANICS
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(info.to_string());
            }
            previous(info);
        }));
    });
    PANICS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clear();
    WATCHING.store(true, Ordering::SeqCst);
}

fn panics_seen() -> Vec<String> {
    WATCHING.store(false, Ordering::SeqCst);
    std::mem::take(&mut *PANICS.lock().unwrap_or_else(PoisonError::into_inner))
}

#[tokio::test]
async fn every_server_function_refuses_bad_input_clearly_and_changes_nothing() {
    let started = Instant::now();
    let server = start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    let reviewer = AccountBuilder::new("reviewer@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .create(&server)
        .await;
    let second_reviewer = AccountBuilder::new("second-reviewer@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .create(&server)
        .await;
    AssessmentBuilder::new(&cycle, "R1K")
        .status(AssessmentStatus::InReview)
        .reviewer(&reviewer)
        .reviewer(&second_reviewer)
        .build(&server)
        .await;
    let slot = app::store::assignments::cycle_data(&server.state.db, &CycleId::from(&cycle))
        .await
        .unwrap()
        .slots
        .into_iter()
        .find(|slot| slot.reviewer_id == reviewer)
        .expect("a review for the reviewer")
        .id;
    // The first read of a cycle's signals draws its audit-sample seed and records it for good
    // (`cycle_seed` in app/src/api/signals.rs), and a function given no cycle (`get_insights`
    // with no fields) reads the newest: a real call. Recorded here, so reading it changes nothing.
    app::store::signals::audit_sample_seed(&server.state.db, &CycleId::from(&cycle), 17, "tests")
        .await
        .unwrap();
    let other_trust = Ids {
        assessment: server.acute_assessment(&cycle, "R0A").await,
        account: reviewer,
        slot,
        cycle,
        ods: "R0A".into(),
        domain: acute_domains(&server).await[0].key.clone(),
    };
    // Both sign in before anything is sent: the wrong passwords sent below count towards this
    // address's sign-in limit.
    let england = AccountBuilder::new("england@england.nhs.uk")
        .role(Role::Admin)
        .role(Role::Moderator)
        .role(Role::Approver)
        .signed_in(&server)
        .await;
    let lead = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .signed_in(&server)
        .await;

    let mut paths: Vec<String> = Vec::new();
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        assert_eq!(
            method,
            axum::http::Method::POST,
            "{path}: this test posts forms"
        );
        paths.push(path.to_string());
    }
    paths.sort();
    paths.dedup();
    // Signing out last, so the session served every function before it.
    paths.sort_by_key(|path| path == SignOut::PATH);
    let set_up = started.elapsed();

    watch_for_panics();
    let mut run = Run {
        server: &server,
        who: "",
        failures: Vec::new(),
        unreadable: BTreeMap::new(),
        long_messages: BTreeSet::new(),
        accepted: BTreeMap::new(),
        requests: 0,
    };
    let mut changes = Vec::new();
    let mut snapshots = std::time::Duration::ZERO;
    let mut before = snapshot(&server).await;
    for lead_asks in [false, true] {
        run.who = if lead_asks {
            "RR8's trust lead"
        } else {
            "NHS England (administrator, moderator, approver)"
        };
        for path in &paths {
            if lead_asks {
                run.other_trust(&lead, path, &other_trust).await;
            } else {
                run.barrage(&england, path).await;
            }
            let snapping = Instant::now();
            let after = snapshot(&server).await;
            snapshots += snapping.elapsed();
            if !ACT_ON_ANY_BODY.contains(&path.as_str()) {
                for difference in differences(&before, &after) {
                    changes.push(format!("{} {path}: {difference}", run.who));
                }
            }
            before = after;
        }
    }
    let panics = panics_seen();

    eprintln!(
        "bad input: {} server functions, {} requests, {:.1} s (setting up {:.1} s, comparing \
         the database {:.1} s)",
        paths.len(),
        run.requests,
        started.elapsed().as_secs_f64(),
        set_up.as_secs_f64(),
        snapshots.as_secs_f64()
    );
    eprintln!("taken (answered with no error):");
    for (probe, functions) in &run.accepted {
        eprintln!("  {probe}: {} functions", functions.len());
    }
    eprintln!("answered as unreadable (\"{}\"):", AppError::unreadable());
    for (probe, functions) in &run.unreadable {
        eprintln!("  {probe}: {} functions", functions.len());
    }
    let mut problems = Vec::new();
    if !run.long_messages.is_empty() {
        // A message repeats what was entered only when it is short (an ODS code, a name).
        problems.push(format!(
            "error messages over 500 bytes:\n{}",
            run.long_messages
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    if !panics.is_empty() {
        problems.push(format!("panics:\n{}", panics.join("\n")));
    }
    if !run.failures.is_empty() {
        problems.push(format!(
            "{} answers were not clear errors:\n{}",
            run.failures.len(),
            run.failures.join("\n")
        ));
    }
    if !changes.is_empty() {
        problems.push(format!(
            "bad input changed the database:\n{}",
            changes.join("\n")
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

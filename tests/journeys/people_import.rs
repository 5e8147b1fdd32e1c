//! People in bulk: uploading a file of people, its check page, confirming it, uploading it again;
//! who may; and who is missing from a cycle.

use app::api::cycles::{CycleMissing, GetWhoIsMissing};
use app::api::people_import::ConfirmPeopleImport;
use app::rules::accounts::Role;
use e2e::fixtures::{AccountBuilder, CycleBuilder};
use e2e::requests::{page, post};
use e2e::TestServer;
use leptos::server_fn::ServerFn;
use std::time::Instant;

fn admin() -> AccountBuilder {
    AccountBuilder::new("admin@england.nhs.uk").role(Role::Admin)
}

/// Posts `bytes` as the upload form's file field, as a browser does; returns the status and
/// where the answer sends the browser.
async fn upload(
    client: &reqwest::Client,
    server: &TestServer,
    file_name: &str,
    bytes: &[u8],
) -> (u16, String) {
    let boundary = "dma-test-boundary-5f1c2a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = client
        .post(format!("{}/admin/people-import/upload", server.base_url))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("the server answers");
    let location = response
        .headers()
        .get("location")
        .map(|value| value.to_str().unwrap().to_string())
        .unwrap_or_default();
    (response.status().as_u16(), location)
}

/// Emails queued to `to`, sent or not.
async fn mail_to(server: &TestServer, to: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE to_address = $1")
        .bind(to)
        .fetch_one(&server.state.db.pool)
        .await
        .unwrap()
}

async fn accounts(server: &TestServer) -> usize {
    app::store::accounts::list(&server.state.db, None, None)
        .await
        .unwrap()
        .len()
}

/// The import id in the check page's address.
fn import_id(location: &str) -> &str {
    location
        .strip_prefix("/admin/people-import/")
        .unwrap_or_else(|| panic!("sent to a check page, not {location:?}"))
}

async fn kept_sha256(server: &TestServer, id: &str, owner: &str) -> String {
    app::store::people_import::staged(&server.state.db, id, owner)
        .await
        .unwrap()
        .expect("the upload is kept")
        .file_sha256
}

const FILE: &str = "Email,Name,ODS code,Roles,Care settings,Capacity,Notes\r\n\
priya.shah@rr8.nhs.uk,Priya Shah,RR8,trust lead,,,Deputy CIO\r\n\
sam.patel@r0a.nhs.uk,Sam Patel,R0A,peer reviewer,acute; community,3,\r\n\
bad.row@nhs.uk,Bad Row,XYZ,trust lead,,,\r\n\
lead@rr8.nhs.uk,Lee Lead,RR8,trust lead; peer reviewer,acute,,\r\n";

#[tokio::test]
async fn a_file_is_checked_first_then_confirmed_once_and_the_same_file_again_changes_nothing() {
    let server = e2e::start_server().await;
    AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .create(&server)
        .await;
    let (client, admin_id) = admin().signed_in_with_id(&server).await;
    let before = accounts(&server).await;

    let (status, location) = upload(&client, &server, "people.csv", FILE.as_bytes()).await;
    assert_eq!(status, 303, "{location}");
    let id = import_id(&location).to_string();
    let (status, check) = page(&client, &server, &location).await;
    assert_eq!(status, 200, "{check}");
    assert!(check.contains("Check the people in the file"), "{check}");
    assert!(
        check.contains("Row 4: There is no trust or ICB with the ODS code XYZ"),
        "the refused row is named with its reason: {check}"
    );
    assert!(check.contains("Notes"), "the ignored column is named");
    assert!(
        check.contains("Roles: Trust lead → Trust lead; Peer reviewer"),
        "{check}"
    );
    assert!(check.contains("Confirm: invite 2 and update 1"), "{check}");
    assert_eq!(
        accounts(&server).await,
        before,
        "nothing written before confirming"
    );
    assert_eq!(mail_to(&server, "priya.shah@rr8.nhs.uk").await, 0);

    let sha256 = kept_sha256(&server, &id, &admin_id).await;
    let answer = post(
        &client,
        &server,
        ConfirmPeopleImport::PATH,
        &[("import_id", id.as_str()), ("file_sha256", sha256.as_str())],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(accounts(&server).await, before + 2);
    assert_eq!(mail_to(&server, "priya.shah@rr8.nhs.uk").await, 1);
    assert_eq!(mail_to(&server, "sam.patel@r0a.nhs.uk").await, 1);
    assert_eq!(mail_to(&server, "bad.row@nhs.uk").await, 0);
    assert_eq!(
        mail_to(&server, "lead@rr8.nhs.uk").await,
        0,
        "an update is not an invitation"
    );
    let reviewers = app::store::accounts::list(&server.state.db, None, Some(Role::PeerReviewer))
        .await
        .unwrap();
    assert_eq!(reviewers.len(), 2, "Sam, and Lee's new role");
    let (_, done) = page(&client, &server, &location).await;
    assert!(
        done.contains("People imported") && done.contains("2 invited, 1 updated"),
        "{done}"
    );
    assert!(
        done.contains("bad.row@nhs.uk"),
        "the skipped row is listed: {done}"
    );
    let again = post(
        &client,
        &server,
        ConfirmPeopleImport::PATH,
        &[("import_id", id.as_str()), ("file_sha256", sha256.as_str())],
    )
    .await;
    assert!(
        again.body.contains("already been imported"),
        "{}",
        again.body
    );

    let (status, location) = upload(&client, &server, "people.csv", FILE.as_bytes()).await;
    assert_eq!(status, 303);
    let (_, check) = page(&client, &server, &location).await;
    assert!(
        check.contains("Nothing in this file changes anyone"),
        "{check}"
    );
    let id = import_id(&location).to_string();
    let sha256 = kept_sha256(&server, &id, &admin_id).await;
    post(
        &client,
        &server,
        ConfirmPeopleImport::PATH,
        &[("import_id", id.as_str()), ("file_sha256", sha256.as_str())],
    )
    .await;
    assert_eq!(
        accounts(&server).await,
        before + 2,
        "the same file again changes nothing"
    );
    assert_eq!(
        mail_to(&server, "priya.shah@rr8.nhs.uk").await,
        1,
        "and queues nothing"
    );
    assert_eq!(mail_to(&server, "sam.patel@r0a.nhs.uk").await, 1);
}

#[tokio::test]
async fn only_administrators_upload_and_each_sees_only_their_own_uploads() {
    let server = e2e::start_server().await;
    let anonymous = e2e::requests::api_client();
    assert_eq!(
        upload(&anonymous, &server, "people.csv", FILE.as_bytes())
            .await
            .0,
        401
    );
    let lead = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .signed_in(&server)
        .await;
    assert_eq!(
        upload(&lead, &server, "people.csv", FILE.as_bytes())
            .await
            .0,
        403
    );
    let (_, upload_page) = page(&lead, &server, "/admin/people-import").await;
    assert!(
        upload_page.contains("Only NHS England administrators"),
        "{upload_page}"
    );

    let client = admin().signed_in(&server).await;
    let (_, location) = upload(&client, &server, "people.csv", FILE.as_bytes()).await;
    let other_admin = AccountBuilder::new("other.admin@england.nhs.uk")
        .role(Role::Admin)
        .signed_in(&server)
        .await;
    let (status, _) = page(&other_admin, &server, &location).await;
    assert_eq!(
        status, 404,
        "another administrator's upload is not theirs to see"
    );
    let (status, _) = page(&lead, &server, &location).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_file_too_large_of_the_wrong_kind_or_without_the_columns_goes_back_with_the_reason() {
    let server = e2e::start_server().await;
    let client = admin().signed_in(&server).await;
    let large = format!("Email,Name,Roles\r\n{}", "x".repeat(5 * 1024 * 1024));
    for (name, bytes, problem, words) in [
        (
            "big.csv",
            large.as_bytes(),
            "too-large",
            "smaller than 5 MB",
        ),
        (
            "people.pdf",
            b"%PDF-1.7".as_slice(),
            "file-type",
            "must be a CSV or an Excel",
        ),
        (
            "people.csv",
            b"Email,Surname\r\njo@nhs.net,Bloggs\r\n".as_slice(),
            "columns",
            "must name its columns",
        ),
        (
            "people.csv",
            b"".as_slice(),
            "no-file",
            "Select a CSV or Excel file",
        ),
    ] {
        let (status, location) = upload(&client, &server, name, bytes).await;
        assert_eq!(
            (status, location.as_str()),
            (
                303,
                format!("/admin/people-import?problem={problem}").as_str()
            )
        );
        let (_, shown) = page(&client, &server, &location).await;
        assert!(shown.contains(words), "{problem}: {shown}");
    }
    let (_, template) = page(&client, &server, "/admin/people-import/template.csv").await;
    assert!(template.starts_with("Email,Name,Organisation,Roles,Care settings,Capacity"));
}

/// How long the check page takes for a 1,000-row file: the upload (reading and keeping the file)
/// and the check page (judging every row against the accounts), each timed once warm; and that
/// confirming queues each invitation exactly once. Prints the figures; asserts no time.
/// `cargo test --workspace --test journeys -- --ignored people_import::a_thousand --nocapture`
#[tokio::test]
#[ignore = "a measurement: run it on purpose"]
async fn a_thousand_people_check_page_time() {
    let server = e2e::start_server().await;
    let (client, admin_id) = admin().signed_in_with_id(&server).await;
    let trusts = ["RR8", "R0A", "RAE", "RWY", "RXF"];
    let mut file = String::from("Email,Name,Organisation,Roles,Care settings,Capacity\r\n");
    for n in 0..1000 {
        let trust = trusts[n % trusts.len()];
        if n % 3 == 0 {
            file.push_str(&format!(
                "reviewer{n}@nhs.net,Reviewer {n},{trust},peer reviewer,acute; community,{}\r\n",
                1 + n % 5
            ));
        } else {
            file.push_str(&format!(
                "lead{n}@nhs.net,Lead {n},{trust},trust lead,,\r\n"
            ));
        }
    }
    // Once to warm up the connections and the page code, then timed.
    upload(
        &client,
        &server,
        "warm-up.csv",
        b"Email,Name,Roles\r\nx@nhs.net,X,moderator\r\n",
    )
    .await;
    let started = Instant::now();
    let (status, location) = upload(&client, &server, "people.csv", file.as_bytes()).await;
    let uploaded = started.elapsed();
    assert_eq!(status, 303);
    let started = Instant::now();
    let (status, check) = page(&client, &server, &location).await;
    let checked = started.elapsed();
    assert_eq!(status, 200);
    assert!(check.contains("Confirm: invite 1000 and update 0"));
    let id = import_id(&location).to_string();
    let sha256 = kept_sha256(&server, &id, &admin_id).await;
    let started = Instant::now();
    let answer = post(
        &client,
        &server,
        ConfirmPeopleImport::PATH,
        &[("import_id", id.as_str()), ("file_sha256", sha256.as_str())],
    )
    .await;
    let confirmed = started.elapsed();
    assert_eq!(answer.status, 200, "{}", answer.body);
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox")
        .fetch_one(&server.state.db.pool)
        .await
        .unwrap();
    assert_eq!(queued, 1000, "each invitation queued once");
    println!(
        "1,000-row file ({} KB): upload and keep {:.0} ms, check page {:.0} ms ({} KB of HTML), upload to check page {:.0} ms; confirm {:.0} ms",
        file.len() / 1024,
        uploaded.as_secs_f64() * 1000.0,
        checked.as_secs_f64() * 1000.0,
        check.len() / 1024,
        (uploaded + checked).as_secs_f64() * 1000.0,
        confirmed.as_secs_f64() * 1000.0,
    );
}

#[tokio::test]
async fn who_is_missing_lists_organisations_without_a_lead_or_whose_leads_never_signed_in_and_short_icss(
) {
    let server = e2e::start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    // RR8 (West Yorkshire) has a lead who has never signed in; R0A's lead has; RAE has none.
    AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .create(&server)
        .await;
    AccountBuilder::new("lead@r0a.nhs.uk")
        .org("R0A")
        .role(Role::TrustLead)
        .signed_in(&server)
        .await;
    // West Yorkshire's one reviewer offers the cycle's usual 3 reviews.
    AccountBuilder::new("reviewer@rr8.nhs.uk")
        .org("RR8")
        .role(Role::PeerReviewer)
        .create(&server)
        .await;
    let client = admin().signed_in(&server).await;

    let (status, cycle_page) = page(&client, &server, &format!("/admin/cycles/{cycle}")).await;
    assert_eq!(status, 200);
    assert!(
        cycle_page.contains("organisations have no lead"),
        "{cycle_page}"
    );
    assert!(cycle_page.contains(&format!("/admin/cycles/{cycle}/missing")));

    let (status, missing) = page(&client, &server, &format!("/admin/cycles/{cycle}/missing")).await;
    assert_eq!(status, 200, "{missing}");
    let section = |caption: &str| -> String {
        let start = missing
            .find(caption)
            .unwrap_or_else(|| panic!("{caption}: {missing}"));
        let end = missing[start..].find("</table>").unwrap() + start;
        missing[start..end].to_string()
    };
    let without_lead = section("Organisations with no active trust lead");
    assert!(without_lead.contains("(RAE)") && without_lead.contains("/invite?org=RAE"));
    assert!(!without_lead.contains("(RR8)") && !without_lead.contains("(R0A)"));
    let never = section("Organisations whose leads have never signed in");
    assert!(
        never.contains("(RR8)") && !never.contains("(R0A)"),
        "{never}"
    );
    assert!(never.contains("/invite?org=RR8"));

    let answer = post(
        &client,
        &server,
        GetWhoIsMissing::PATH,
        &[("cycle_id", cycle.as_str())],
    )
    .await;
    let data: CycleMissing = serde_json::from_str(&answer.body).unwrap();
    let west_yorkshire = data
        .missing
        .short_of_reviewers
        .iter()
        .find(|ics| ics.ics_ods_code == "QWO")
        .expect("West Yorkshire is short of reviewers");
    assert_eq!((west_yorkshire.reviewers, west_yorkshire.offered), (1, 3));
    assert_eq!(west_yorkshire.needed, west_yorkshire.assessments * 2);
    assert_eq!(west_yorkshire.short_by, west_yorkshire.needed - 3);
    assert!(section("ICSs short of peer reviewers")
        .contains(&format!("{} reviews", west_yorkshire.short_by)));

    let (_, invite) = page(&client, &server, "/invite?org=RAE").await;
    assert!(
        invite.contains("value=\"RAE\""),
        "the invite form has the organisation: {invite}"
    );
}

/// With JavaScript off: an administrator uploads a file with a bad row, sees the row and its
/// reason on the check page, and confirms; the people are invited.
#[tokio::test]
async fn browser_upload_with_a_bad_row_check_and_confirm_with_javascript_off() {
    use e2e::browser::{
        click_button, open, sign_in_as, start_browser, start_chromedriver, submit, text_of,
        wait_for_heading,
    };
    let server = e2e::start_server().await;
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, false).await;
    sign_in_as(&client, &server, &admin(), false).await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("people.csv");
    std::fs::write(&file, FILE).unwrap();

    open(
        &client,
        &format!("{}/admin/people-import", server.base_url),
        false,
    )
    .await;
    wait_for_heading(&client, "Upload people").await;
    client
        .find(fantoccini::Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    submit(&client).await;
    wait_for_heading(&client, "Check the people in the file").await;
    let problems = text_of(&client, ".nhsuk-error-summary").await;
    assert!(
        problems.contains("Row 4: There is no trust or ICB with the ODS code XYZ"),
        "{problems}"
    );
    let before = accounts(&server).await;
    click_button(&client, "Confirm: invite 3 and update 0").await;
    wait_for_heading(&client, "People imported").await;
    assert!(text_of(&client, "main").await.contains("bad.row@nhs.uk"));
    assert_eq!(accounts(&server).await, before + 3);
    assert_eq!(mail_to(&server, "priya.shah@rr8.nhs.uk").await, 1);
    client.close().await.unwrap();
}

//! Evidence documents over HTTP, with JavaScript off: a trust lead attaches files to a domain
//! through the plain multipart form and sees them listed; the same bytes are stored once; a
//! program is refused with the reason; who may download a file and who is refused; and an EICAR
//! upload is quarantined by a real clamd, never served, and reported.

use app::api::evidence_files::RemoveEvidence;
use app::rules::accounts::Role;
use app::rules::evidence::ScanState;
use app::rules::lifecycle::AssessmentStatus;
use app::store::AssessmentId;
use e2e::fixtures::{acute_domains, AccountBuilder, AssessmentBuilder, CycleBuilder};
use e2e::requests::{api_client, cookieless_client, page, post, Answer};
use e2e::{start_server, start_server_scanning, TestServer};
use leptos::server_fn::ServerFn;
use std::time::{Duration, Instant};

/// A PDF as far as its bytes go: what a board paper's first bytes say.
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// A Windows program's first bytes (the "MZ" header), whatever it is named.
const PROGRAM: &[u8] =
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00\x00\x00\x00\x00\x00\x00";

/// The anti-virus test file every scanner detects, harmless.
const EICAR: &[u8] = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

fn lead(email: &str, trust: &str) -> AccountBuilder {
    AccountBuilder::new(email).org(trust).role(Role::TrustLead)
}

/// Posts the attach form as a browser does without JavaScript: the file, the description and
/// the criteria ticked, as multipart/form-data.
async fn attach(
    client: &reqwest::Client,
    server: &TestServer,
    assessment_id: &str,
    domain_key: &str,
    (file_name, bytes): (&str, &[u8]),
    description: &str,
    criteria: &[&str],
) -> Answer {
    const BOUNDARY: &str = "----evidence-documents-test";
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    let mut text = |name: &str, value: &str| {
        body.extend_from_slice(
            format!("\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}").as_bytes(),
        );
    };
    text("description", description);
    for criterion in criteria {
        text("criteria", criterion);
    }
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let response = client
        .post(format!(
            "{}/assessments/{assessment_id}/domains/{domain_key}/evidence",
            server.base_url
        ))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .expect("the server answers");
    Answer::from(response).await
}

/// Downloads an attachment: its status, headers and bytes.
async fn download(
    client: &reqwest::Client,
    server: &TestServer,
    attachment_id: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = client
        .get(format!("{}/evidence/{attachment_id}", server.base_url))
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

async fn documents_stored(server: &TestServer) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM documents")
        .fetch_one(&server.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_lead_attaches_files_sees_them_listed_and_the_same_bytes_are_stored_once() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    let client = lead("lead@rr8.nhs.uk", "RR8").signed_in(&server).await;
    let id = server.acute_assessment(&cycle, "RR8").await;
    let domain = &acute_domains(&server).await[0];
    let criterion = domain.criteria().next().unwrap();
    let answer = attach(
        &client,
        &server,
        &id,
        &domain.key,
        ("board-paper.pdf", PDF),
        "Board paper approving the digital strategy, May 2026",
        &[&criterion.key],
    )
    .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let back = answer.location.expect("back to the domain page");
    assert_eq!(
        back,
        format!(
            "/assessments/{id}/domains/{}?attached=board-paper.pdf#evidence",
            domain.key
        )
    );
    let (status, html) = page(&client, &server, &back).await;
    assert_eq!(status, 200);
    assert!(html.contains("board-paper.pdf is attached."), "{html}");
    assert!(html.contains("Board paper approving the digital strategy, May 2026"));
    assert!(
        html.contains(&criterion.text),
        "the criterion it supports is named"
    );
    assert!(html.contains("Not scanned"), "no scanner in this server");
    assert!(
        html.contains("enctype=\"multipart/form-data\""),
        "the attach form works without JavaScript"
    );
    let attachments = app::store::evidence_files::for_domain(
        &server.state.db,
        &AssessmentId::from(&id),
        &domain.key,
    )
    .await
    .unwrap();
    assert_eq!(attachments.len(), 1);
    assert_eq!(attachments[0].kind, "pdf");
    assert!(html.contains(&format!("href=\"/evidence/{}\"", attachments[0].id)));

    // The same bytes again, under another name: a second attachment, one document, one file.
    let again = attach(
        &client,
        &server,
        &id,
        &domain.key,
        ("copy-of-board-paper.pdf", PDF),
        "The same paper",
        &[],
    )
    .await;
    assert_eq!(again.status, 303, "{}", again.body);
    assert_eq!(documents_stored(&server).await, 1);
    let files_kept = walk(&server.evidence_folder());
    assert_eq!(files_kept, 1, "the bytes are stored once");
    let (_, task_list) = page(&client, &server, &format!("/assessments/{id}")).await;
    assert!(task_list.contains("2 evidence files"), "{task_list}");

    // The lead downloads it: as an attachment, never sniffed, sandboxed, not cached.
    let (status, headers, bytes) = download(&client, &server, &attachments[0].id).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, PDF);
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"board-paper.pdf\"; filename*=UTF-8''board-paper.pdf"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["content-security-policy"], server::http::SANDBOXED);
    assert!(headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("no-store"));

    // Removing it keeps the document and its bytes.
    let removed = post(
        &client,
        &server,
        RemoveEvidence::PATH,
        &[
            ("assessment_id", &id),
            ("attachment_id", &attachments[0].id),
        ],
    )
    .await;
    assert!(!removed.body.contains("Forbidden"), "{}", removed.body);
    assert_eq!(
        app::store::evidence_files::for_domain(
            &server.state.db,
            &AssessmentId::from(&id),
            &domain.key
        )
        .await
        .unwrap()
        .len(),
        1
    );
    assert_eq!(documents_stored(&server).await, 1);
    assert_eq!(walk(&server.evidence_folder()), 1);
    let records = app::store::audit::recent(&server.state.db.pool, 20)
        .await
        .unwrap();
    let actions: Vec<&str> = records.iter().map(|r| r.action.as_str()).collect();
    for action in ["attach evidence", "download evidence", "remove evidence"] {
        assert!(
            actions.contains(&action),
            "{action} is audited: {actions:?}"
        );
    }
}

/// The number of files under `folder`, however deep.
fn walk(folder: &std::path::Path) -> usize {
    std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| {
                    let path = entry.path();
                    if path.is_dir() {
                        walk(&path)
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn a_renamed_program_is_refused_with_the_reason_and_what_was_entered_is_kept() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    let client = lead("lead@rr8.nhs.uk", "RR8").signed_in(&server).await;
    let id = server.acute_assessment(&cycle, "RR8").await;
    let domain = &acute_domains(&server).await[0];
    let criterion = domain.criteria().next().unwrap();
    let answer = attach(
        &client,
        &server,
        &id,
        &domain.key,
        ("board-paper.pdf", PROGRAM),
        "Board paper",
        &[&criterion.key],
    )
    .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let back = answer.location.unwrap();
    assert!(back.contains("refused=program"), "{back}");
    let (_, html) = page(&client, &server, &back).await;
    assert!(html.contains("nhsuk-error-summary"), "{html}");
    assert!(html.contains(
        "board-paper.pdf is not a document we accept: it is a program. Attach a PDF, Word, Excel, PowerPoint, OpenDocument, CSV, text, PNG or JPEG file."
    ));
    assert!(
        html.contains("value=\"Board paper\""),
        "the description is kept: {html}"
    );
    assert!(html.contains(&format!(
        "id=\"evidence-criterion-{}\" name=\"criteria\" type=\"checkbox\" value=\"{}\" checked",
        criterion.key, criterion.key
    )));
    assert_eq!(documents_stored(&server).await, 0, "nothing is recorded");
    assert_eq!(walk(&server.evidence_folder()), 0, "nothing is stored");

    // No description: refused, saying so.
    let answer = attach(
        &client,
        &server,
        &id,
        &domain.key,
        ("paper.pdf", PDF),
        " ",
        &[],
    )
    .await;
    assert!(answer.location.unwrap().contains("refused=description"));
    assert_eq!(documents_stored(&server).await, 0);
}

#[tokio::test]
async fn only_the_trust_its_assigned_reviewers_and_nhs_england_not_of_it_download_a_file() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().in_peer_review(&server).await;
    let (lead_client, lead_id) = lead("lead@rr8.nhs.uk", "RR8")
        .signed_in_with_id(&server)
        .await;
    let reviewer = AccountBuilder::new("reviewer@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer);
    let reviewer_id = reviewer.create(&server).await;
    let id = AssessmentBuilder::new(&cycle, "RR8")
        .answer_domains(..)
        .evidence(&lead_id, "board-paper.pdf", PDF)
        .reviewer(&reviewer_id)
        .status(AssessmentStatus::InReview)
        .build(&server)
        .await;
    let submitted =
        app::store::evidence_files::submitted(&server.state.db, &AssessmentId::from(&id))
            .await
            .unwrap();
    assert_eq!(submitted.len(), 1, "the file is in the set submitted");
    let file = &submitted[0].id;

    let allowed = [
        ("the trust's lead", lead_client),
        ("the assigned reviewer", reviewer.signed_in(&server).await),
        (
            "an NHS England moderator of another organisation",
            AccountBuilder::new("moderator@england.nhs.uk")
                .role(Role::Moderator)
                .signed_in(&server)
                .await,
        ),
    ];
    for (who, client) in &allowed {
        let (status, _, bytes) = download(client, &server, file).await;
        assert_eq!(status, 200, "{who}");
        assert_eq!(bytes, PDF, "{who}");
    }
    let refused = [
        ("a stranger, signed out", cookieless_client(), 401),
        (
            "a lead of another trust",
            lead("lead@r1k.nhs.uk", "R1K").signed_in(&server).await,
            403,
        ),
        (
            "an unassigned reviewer",
            AccountBuilder::new("unassigned@r0a.nhs.uk")
                .org("R0A")
                .role(Role::PeerReviewer)
                .signed_in(&server)
                .await,
            403,
        ),
        (
            "an NHS England moderator of the trust itself",
            AccountBuilder::new("moderator@rr8.nhs.uk")
                .org("RR8")
                .role(Role::Moderator)
                .signed_in(&server)
                .await,
            403,
        ),
    ];
    for (who, client, expected) in &refused {
        let (status, _, bytes) = download(client, &server, file).await;
        assert_eq!(status, *expected, "{who}");
        assert!(!bytes.starts_with(b"%PDF"), "{who} gets no bytes");
    }
    let (status, _, _) = download(&api_client(), &server, "not-an-attachment").await;
    assert_eq!(
        status, 401,
        "signed out, even a made-up address says only sign in"
    );
    let records = app::store::audit::recent(&server.state.db.pool, 40)
        .await
        .unwrap();
    assert_eq!(
        records
            .iter()
            .filter(|r| r.action == "download evidence")
            .count(),
        3
    );
    let refusals = records
        .iter()
        .filter(|r| r.action == "refused" && &r.entity_id == file)
        .count();
    assert_eq!(refusals, 4, "every refusal is audited");

    // The reviewer's domain page lists the file beside the section, linked to its download.
    let slot = app::store::reviews::slots_of(&server.state.db, &AssessmentId::from(&id))
        .await
        .unwrap()
        .remove(0)
        .id;
    let domain = &acute_domains(&server).await[0];
    let (status, html) = page(
        &allowed[1].1,
        &server,
        &format!("/reviews/{slot}/domains/{}", domain.key),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Evidence documents for the section as a whole"),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"/evidence/{file}\"")));
}

#[tokio::test]
async fn an_eicar_upload_is_quarantined_by_clamd_never_served_and_reported() {
    let Ok(clamd) = std::env::var("TEST_CLAMD_ADDRESS") else {
        eprintln!(
            "TEST_CLAMD_ADDRESS is not set: skipping the EICAR test (`bash .ci/clamd` starts one)"
        );
        return;
    };
    let server = start_server_scanning(&clamd).await;
    let cycle = CycleBuilder::new().open(&server).await;
    AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .create(&server)
        .await;
    let client = lead("lead@rr8.nhs.uk", "RR8").signed_in(&server).await;
    let id = server.acute_assessment(&cycle, "RR8").await;
    let domain = &acute_domains(&server).await[0];
    let answer = attach(
        &client,
        &server,
        &id,
        &domain.key,
        ("minutes.txt", EICAR),
        "Board minutes",
        &[],
    )
    .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let (_, html) = page(&client, &server, &answer.location.unwrap()).await;
    assert!(html.contains("It is being checked for viruses"), "{html}");

    let deadline = Instant::now() + Duration::from_secs(30);
    let attachment = loop {
        let attachment = app::store::evidence_files::for_domain(
            &server.state.db,
            &AssessmentId::from(&id),
            &domain.key,
        )
        .await
        .unwrap()
        .remove(0);
        if attachment.scan_state != ScanState::BeingChecked || Instant::now() > deadline {
            break attachment;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(attachment.scan_state, ScanState::Quarantined);
    let (status, _, bytes) = download(&client, &server, &attachment.id).await;
    assert_eq!(status, 403);
    assert!(!bytes.starts_with(b"X5O"), "never served");
    let (_, html) = page(
        &client,
        &server,
        &format!("/assessments/{id}/domains/{}", domain.key),
    )
    .await;
    assert!(html.contains("Failed the virus check"));
    assert!(!html.contains(&format!("href=\"/evidence/{}\"", attachment.id)));
    let to_lead = server.wait_for_mail_to("lead@rr8.nhs.uk").await;
    assert!(
        to_lead.contains("A file failed the virus check: minutes.txt"),
        "{to_lead}"
    );
    let to_admin = server.wait_for_mail_to("admin@england.nhs.uk").await;
    assert!(to_admin.contains("Eicar"), "{to_admin}");
    // Attached again, the same bytes are refused at once.
    let again = attach(
        &client,
        &server,
        &id,
        &domain.key,
        ("minutes.txt", EICAR),
        "Again",
        &[],
    )
    .await;
    assert!(again.location.unwrap().contains("refused=quarantined"));
}

#[tokio::test]
async fn in_a_browser_without_javascript_a_lead_attaches_a_file_and_sees_it_listed() {
    use e2e::browser::{
        click_button, fill, open, sign_in_as, start_browser, start_chromedriver, wait_for_banner,
        wait_for_text,
    };
    let server = start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, false).await;
    sign_in_as(&client, &server, &lead("lead@rr8.nhs.uk", "RR8"), false).await;
    let id = server.acute_assessment(&cycle, "RR8").await;
    let domain = &acute_domains(&server).await[0];
    open(
        &client,
        &format!(
            "{}/assessments/{id}/domains/{}",
            server.base_url, domain.key
        ),
        false,
    )
    .await;
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("board-paper.pdf");
    std::fs::write(&path, PDF).unwrap();
    client
        .find(fantoccini::Locator::Id("evidence-file"))
        .await
        .unwrap()
        .send_keys(&path.display().to_string())
        .await
        .unwrap();
    fill(
        &client,
        "evidence-description",
        "Board paper approving the strategy",
    )
    .await;
    click_button(&client, "Attach file").await;
    wait_for_banner(&client, "board-paper.pdf is attached.").await;
    wait_for_text(
        &client,
        "table.nhsuk-table",
        "Board paper approving the strategy",
    )
    .await;
    wait_for_text(&client, "table.nhsuk-table", "Not scanned").await;
    client.close().await.unwrap();
}

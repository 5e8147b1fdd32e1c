//! What the browser downloads for each journey's main page: the compressed bytes of WebAssembly,
//! JavaScript and CSS, as served (brotli where the server offers it), and how long the server
//! takes to render the page (the median of five requests, the in-process client's own time
//! included). Serves the site in target/site, so build the release site first; `bash
//! .ci/payload` does both:
//!
//! cargo leptos build --release && cargo bench -p e2e --bench payload
//!
//! The budget is 300 KB of WebAssembly and JavaScript for any page; the figures are printed,
//! never asserted.

use app::rules::accounts::Role;
use app::rules::lifecycle::AssessmentStatus;
use app::store::AssessmentId;
use e2e::fixtures::{AccountBuilder, AssessmentBuilder, CycleBuilder};
use e2e::requests::api_client;
use e2e::{start_server, TestServer};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// How many times each page is rendered to time it.
const RENDERS: usize = 5;

/// The budget for a page's WebAssembly and JavaScript, compressed.
const BUDGET_BYTES: u64 = 300 * 1024;

/// The files a page asks for: stylesheets and scripts it links, and, where it has an island,
/// the island code its loader imports.
fn assets_of(html: &str) -> BTreeSet<String> {
    let mut assets = BTreeSet::new();
    for attribute in ["href=\"", "src=\""] {
        for (start, _) in html.match_indices(attribute) {
            let value = &html[start + attribute.len()..];
            let url = &value[..value.find('"').unwrap_or(0)];
            if url.ends_with(".css") || url.ends_with(".js") || url.ends_with(".wasm") {
                assets.insert(url.to_string());
            }
        }
    }
    if html.contains("<leptos-island") {
        // The loader imports the site's module and its WebAssembly by name.
        let pkg = e2e::site_root().join("pkg");
        for entry in std::fs::read_dir(pkg).expect("the site is built").flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.ends_with(".js") || name.ends_with(".wasm") {
                assets.insert(format!("/pkg/{name}"));
            }
        }
    }
    assets
}

/// The compressed size of one file as the server sends it.
async fn served_bytes(client: &reqwest::Client, server: &TestServer, url: &str) -> (u64, String) {
    let response = client
        .get(format!("{}{url}", server.base_url))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .expect("the file is served");
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    let encoding = response
        .headers()
        .get("content-encoding")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("none")
        .to_string();
    (response.bytes().await.unwrap().len() as u64, encoding)
}

#[tokio::main]
async fn main() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    let assessment = server.acute_assessment(&cycle, "RR8").await;
    let domain = "digital-strategy";
    let public = api_client();
    let signed_in = |email: &str, org: Option<&str>, role: Role| {
        let account = AccountBuilder::new(email).role(role);
        let account = match org {
            Some(org) => account.org(org),
            None => account,
        };
        let server = &server;
        async move { account.signed_in(server).await }
    };
    let lead = signed_in("lead@leeds.nhs.uk", Some("RR8"), Role::TrustLead).await;
    let (reviewer, reviewer_id) = AccountBuilder::new("reviewer@mft.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .signed_in_with_id(&server)
        .await;
    let reviewed = AssessmentBuilder::new(&cycle, "R1K")
        .status(AssessmentStatus::InReview)
        .answer_domains(..)
        .reviewer(&reviewer_id)
        .build(&server)
        .await;
    let review = app::store::reviews::slots_of(&server.state.db, &AssessmentId::from(&reviewed))
        .await
        .unwrap()
        .remove(0)
        .id;
    let admin = signed_in("admin@england.nhs.uk", None, Role::Admin).await;
    let moderator = signed_in("moderator@england.nhs.uk", None, Role::Moderator).await;
    // An assessment with two reviews and a reply, for the moderation page.
    let mut replied = AssessmentBuilder::new(&cycle, "RAN")
        .status(AssessmentStatus::Replied)
        .answer_domains(..);
    for (email, org) in [("one@r0a.nhs.uk", "R0A"), ("two@rr8.nhs.uk", "RR8")] {
        let id = AccountBuilder::new(email)
            .org(org)
            .role(Role::PeerReviewer)
            .create(&server)
            .await;
        replied = replied.reviewer(&id);
    }
    let replied = replied.build(&server).await;
    // A national cycle's published results: every trust and ICB of England.
    server::demo_results::seed_demo_published_results(&server.state.db)
        .await
        .unwrap();
    let results = format!(
        "/results/{}",
        app::store::results::published_cycles(&server.state.db)
            .await
            .unwrap()
            .remove(0)
            .id
    );
    let pages: Vec<(&str, &reqwest::Client, String)> = vec![
        ("home", &public, "/".into()),
        ("directory (island)", &public, "/organisations".into()),
        ("trust", &public, "/organisations/trusts/RR8".into()),
        ("sign in", &public, "/sign-in".into()),
        ("your account", &lead, "/account".into()),
        ("your assessments", &lead, "/assessments".into()),
        ("task list", &lead, format!("/assessments/{assessment}")),
        (
            "domain (island)",
            &lead,
            format!("/assessments/{assessment}/domains/{domain}"),
        ),
        (
            "check answers",
            &lead,
            format!("/assessments/{assessment}/check"),
        ),
        ("your reviews", &reviewer, "/reviews".into()),
        ("review", &reviewer, format!("/reviews/{review}")),
        (
            "review domain (island)",
            &reviewer,
            format!("/reviews/{review}/domains/{domain}"),
        ),
        (
            "check review",
            &reviewer,
            format!("/reviews/{review}/check"),
        ),
        ("moderation", &moderator, format!("/moderation/{replied}")),
        (
            "moderation domain",
            &moderator,
            format!("/moderation/{replied}/domains/{domain}"),
        ),
        ("cycles", &admin, "/admin/cycles".into()),
        ("cycle", &admin, format!("/admin/cycles/{cycle}")),
        (
            "assignment",
            &admin,
            format!("/admin/cycles/{cycle}/assignment"),
        ),
        ("people", &admin, "/admin/people".into()),
        ("release", &admin, format!("/admin/cycles/{cycle}/results")),
        (
            "final scores",
            &moderator,
            format!("/assessments/{replied}/results"),
        ),
        ("results index", &public, "/results".into()),
        ("national results", &public, results.clone()),
        ("trust league", &public, format!("{results}/trusts")),
        ("ICS results", &public, format!("{results}/ics/QWO")),
        ("trust results", &public, format!("{results}/trusts/RR8")),
    ];
    println!(
        "{:<24} {:>10} {:>10} {:>10} {:>12} {:>10}  encodings",
        "page", "wasm+JS", "CSS", "HTML", "within 300 KB", "server ms"
    );
    let mut largest = 0;
    for (name, client, path) in pages {
        let response = client
            .get(format!("{}{path}", server.base_url))
            .header("accept-encoding", "br, gzip")
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        let html_bytes = response.bytes().await.unwrap();
        // The page again, uncompressed, to read which files it asks for and to time it.
        let mut text = String::new();
        let mut times: Vec<Duration> = Vec::with_capacity(RENDERS);
        for _ in 0..RENDERS {
            let started = Instant::now();
            text = client
                .get(format!("{}{path}", server.base_url))
                .header("accept-encoding", "identity")
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            times.push(started.elapsed());
        }
        times.sort();
        let (mut code, mut css) = (0, 0);
        let mut encodings = BTreeSet::new();
        for asset in assets_of(&text) {
            let (bytes, encoding) = served_bytes(client, &server, &asset).await;
            encodings.insert(encoding);
            if asset.ends_with(".css") {
                css += bytes;
            } else {
                code += bytes;
            }
        }
        largest = largest.max(code);
        println!(
            "{name:<24} {:>9.1}K {:>9.1}K {:>9.1}K {:>12} {:>10.1}  {}",
            code as f64 / 1024.0,
            css as f64 / 1024.0,
            html_bytes.len() as f64 / 1024.0,
            if code <= BUDGET_BYTES { "yes" } else { "NO" },
            times[RENDERS / 2].as_secs_f64() * 1000.0,
            encodings.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    println!(
        "largest page: {:.1} KB of WebAssembly and JavaScript (budget {} KB)",
        largest as f64 / 1024.0,
        BUDGET_BYTES / 1024
    );
}

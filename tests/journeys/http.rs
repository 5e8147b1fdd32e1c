//! Whole pages over HTTP against a real server with its own database and the England data.

use e2e::requests::{cookieless_client, page};
use e2e::start_server;

async fn get(url: &str) -> reqwest::Response {
    cookieless_client()
        .get(url)
        .send()
        .await
        .expect("the server answers")
}

#[tokio::test]
async fn home_page_says_what_the_service_is_with_security_headers() {
    let server = start_server().await;
    let response = get(&format!("{}/", server.base_url)).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    assert!(
        body.contains("<h1 class=\"nhsuk-heading-xl\">Digital maturity assessment</h1>"),
        "{body}"
    );
    assert!(body.contains("nhsuk-header__service-name"));
    assert!(body.contains("Beta"));

    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("base-uri 'none'"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    // The home page is a cached public page: its CSP allows its own inline scripts by their
    // hashes, and names no nonce (one nonce would otherwise go to everyone).
    assert!(csp.contains("'sha256-"), "{csp}");
    assert!(!csp.contains("'nonce-"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["referrer-policy"],
        "strict-origin-when-cross-origin"
    );

    // A page rendered per request carries a fresh nonce, which its inline scripts carry too.
    let sign_in = get(&format!("{}/sign-in", server.base_url)).await;
    let sign_in_csp = sign_in.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let nonce = sign_in_csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the CSP")
        .to_string();
    assert!(
        sign_in
            .text()
            .await
            .unwrap()
            .contains(&format!("nonce=\"{nonce}\"")),
        "the page's scripts carry the nonce the CSP allows"
    );
    let again = get(&format!("{}/sign-in", server.base_url)).await;
    assert_ne!(
        again.headers()["content-security-policy"],
        sign_in_csp.as_str(),
        "each response gets a fresh nonce"
    );
}

#[tokio::test]
async fn directory_lists_every_region_and_its_icbs() {
    let server = start_server().await;
    let client = cookieless_client();
    let (status, body) = page(&client, &server, "/organisations").await;
    assert_eq!(status, 200);
    for region in [
        "London",
        "South West",
        "South East",
        "Midlands",
        "East of England",
        "North West",
        "North East and Yorkshire",
    ] {
        assert!(
            body.contains(&format!(">{region}</h2>")),
            "region {region} is listed"
        );
    }
    assert!(body.contains("href=\"/organisations/icbs/QWO\""));
    assert!(body.contains("NHS West Yorkshire Integrated Care Board"));
    assert_eq!(
        body.matches("href=\"/organisations/icbs/").count(),
        42,
        "all 42 ICBs"
    );
}

#[tokio::test]
async fn icb_page_lists_its_trusts_with_care_settings() {
    let server = start_server().await;
    let client = cookieless_client();
    let (status, body) = page(&client, &server, "/organisations/icbs/QWO").await;
    assert_eq!(status, 200);
    assert!(body.contains("NHS West Yorkshire Integrated Care Board"));
    assert!(body.contains("Leeds Teaching Hospitals NHS Trust"));
    assert!(body.contains("href=\"/organisations/trusts/RY6\""));
    assert!(body.contains(">Mental Health</strong>"));
    assert!(
        !body.contains("Manchester University"),
        "no trust from another ICB"
    );
}

#[tokio::test]
async fn trust_page_shows_where_it_is_assessed_when_that_differs() {
    let server = start_server().await;
    let client = cookieless_client();
    let (status, body) = page(&client, &server, "/organisations/trusts/RX9").await;
    assert_eq!(status, 200);
    assert!(body.contains("East Midlands Ambulance Service NHS Trust"));
    assert!(body.contains("Assessed in the system of"));
    assert!(body.contains(">Ambulance</strong>"));
}

#[tokio::test]
async fn search_by_ods_code_finds_the_trust() {
    let server = start_server().await;
    let client = cookieless_client();
    let (status, body) = page(&client, &server, "/organisations?q=rr8").await;
    assert_eq!(status, 200);
    assert!(body.contains("1 organisation matches"), "{body}");
    assert!(body.contains("href=\"/organisations/trusts/RR8\""));
    assert!(body.contains("Leeds Teaching Hospitals NHS Trust"));
    assert!(
        body.contains("value=\"rr8\""),
        "the search box keeps what was typed"
    );
}

#[tokio::test]
async fn search_by_name_matches_any_case_and_only_matching_organisations() {
    let server = start_server().await;
    let client = cookieless_client();
    let (status, body) = page(&client, &server, "/organisations?q=LeEdS").await;
    assert_eq!(status, 200);
    for code in ["RR8", "RGD", "RY6"] {
        assert!(
            body.contains(&format!("href=\"/organisations/trusts/{code}\"")),
            "{code} matches Leeds"
        );
    }
    assert!(!body.contains("Manchester"));
    let (_, none) = page(&client, &server, "/organisations?q=%25").await;
    assert!(
        none.contains("No organisations match"),
        "a % is searched for literally, not as a wildcard"
    );
}

#[tokio::test]
async fn unknown_organisation_is_a_404_with_a_plain_message() {
    let server = start_server().await;
    let client = cookieless_client();
    let (status, body) = page(&client, &server, "/organisations/icbs/ZZZ").await;
    assert_eq!(status, 404);
    assert!(body.contains("There is no integrated care board with the ODS code ZZZ."));
    let (status, _) = page(&client, &server, "/no-such-page").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn health_check_reports_the_database() {
    let server = start_server().await;
    let client = cookieless_client();
    let (status, body) = page(&client, &server, "/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    server.state.db.pool.close().await;
    let (status, _) = page(&client, &server, "/healthz").await;
    assert_eq!(status, 503, "a closed database is reported as unavailable");
}

#[tokio::test]
async fn pages_are_compressed_for_clients_that_accept_it() {
    let server = start_server().await;
    let response = cookieless_client()
        .get(format!("{}/organisations", server.base_url))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
}

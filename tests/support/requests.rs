//! Requests to a test server over HTTP: the clients, the one helper that posts a form to a server
//! function, the one that fetches a page, and signing in.

use crate::TestServer;
use app::api::accounts::SignIn;
use app::api::second_factor::ConfirmSignInCode;
use leptos::server_fn::ServerFn;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// Longest a test waits for one response: a hung request fails its test instead of the whole run.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A client that keeps cookies, does not follow redirects, and (sending no Accept: text/html)
/// calls server functions as the browser's hydrated client does.
pub fn api_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap()
}

/// A client that keeps no cookies (a test sets the Cookie header itself when it wants one) and
/// does not follow redirects.
pub fn cookieless_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap()
}

/// The fields of a post that sends none.
pub const NO_FIELDS: &[(&str, &str)] = &[];

/// What the server answered a post.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// Where it sends the browser next (the Location header), if anywhere.
    pub location: Option<String>,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    /// Reads a response whole: its status, where it redirects, its headers and its body.
    pub async fn from(response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let location = headers
            .get("location")
            .map(|value| value.to_str().unwrap().to_string());
        Answer {
            status,
            location,
            headers,
            body: response.text().await.unwrap_or_default(),
        }
    }
}

/// Posts `fields` as a form to `path` on `server` (a server function's `PATH`, usually) and
/// returns the answer. Fields built as owned strings go through [`pairs`].
pub async fn post(
    client: &reqwest::Client,
    server: &TestServer,
    path: &str,
    fields: &[(&str, &str)],
) -> Answer {
    post_with(client, server, path, &[], fields).await
}

/// As [`post`], with extra request headers: a cookie, an Origin, an X-Forwarded-For, …
pub async fn post_with(
    client: &reqwest::Client,
    server: &TestServer,
    path: &str,
    headers: &[(&str, &str)],
    fields: &[(&str, &str)],
) -> Answer {
    let mut request = client.post(server.function_url(path)).form(fields);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the server answers");
    Answer::from(response).await
}

/// Borrows owned form fields as [`post`] takes them.
pub fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

/// Fetches the page at `path` as a browser asks for it (Accept: text/html); returns the status
/// and the body.
pub async fn page(client: &reqwest::Client, server: &TestServer, path: &str) -> (u16, String) {
    let response = client
        .get(format!("{}{path}", server.base_url))
        .header("accept", "text/html")
        .send()
        .await
        .expect("the server answers");
    (
        response.status().as_u16(),
        response.text().await.expect("a text body"),
    )
}

/// Posts the sign-in form on `client`, whatever the outcome.
pub async fn sign_in(
    client: &reqwest::Client,
    server: &TestServer,
    email: &str,
    password: &str,
) -> Answer {
    post(
        client,
        server,
        SignIn::PATH,
        &[("email", email), ("password", password), ("next", "")],
    )
    .await
}

/// A fresh [`api_client`] signed in as `email`, with a code from its authenticator app if sign-in
/// asks for one; fails the test if signing in fails.
pub async fn signed_in_client(server: &TestServer, email: &str, password: &str) -> reqwest::Client {
    let client = api_client();
    let answer = sign_in(&client, server, email, password).await;
    assert_eq!(answer.status, 200, "{email} signs in: {}", answer.body);
    if answer.location.as_deref() == Some("/sign-in/code") {
        let answer = enter_code(&client, server, email).await;
        assert_eq!(answer.status, 200, "{email}'s code: {}", answer.body);
    }
    client
}

/// Posts the current code of `email`'s authenticator app to the second step of signing in.
pub async fn enter_code(client: &reqwest::Client, server: &TestServer, email: &str) -> Answer {
    let account = app::store::accounts::find_for_sign_in(&server.state.db, email)
        .await
        .expect("the database answers")
        .expect("the account exists");
    let code = crate::second_factor::fresh_code(server, &account.account_id).await;
    post(client, server, ConfirmSignInCode::PATH, &[("code", &code)]).await
}

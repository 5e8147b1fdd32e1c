//! The end-to-end tests: whole journeys against a real server with its own database, over HTTP
//! and in a real browser. One binary, so the application is linked once; what the journeys share
//! is in the `e2e` library (tests/support). They run one at a time: RUST_TEST_THREADS in
//! .cargo/config.toml says why.
//!
//! cargo test -p e2e                        # everything
//! cargo test -p e2e -- accounts::          # one group
//! cargo test -p e2e -- --skip browser::    # all but the browser journeys

mod accounts;
mod assessments;
mod authorization;
mod bad_input;
mod browser;
mod browser_after_submission;
mod browser_results;
mod dashboards;
mod evidence_documents;
mod http;
mod mail;
mod moderation;
mod page_snapshots;
mod people_import;
mod reminders;
mod replies;
mod results;
mod review_assignment;
mod reviewers;
mod reviews;
mod second_factor;
mod security;
mod signals;

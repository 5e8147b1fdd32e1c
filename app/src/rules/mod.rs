//! The product's knowledge as pure functions: plain data in, plain data out, no I/O.
//! Compiled for both the server and the browser.

pub mod access;
pub mod accounts;
pub mod assessments;
pub mod assignment;
pub mod cycles;
pub mod framework;
pub mod organisations;
#[cfg(feature = "ssr")]
pub mod passwords;
pub mod reasons;
pub mod review_assignment;
pub mod reviewers;
pub mod scoring;
pub mod sign_in;

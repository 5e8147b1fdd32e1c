//! End-to-end journeys over HTTP and in a real browser, in one test binary.

mod accounts;
mod authorization;
mod browser;
mod http;
mod mail;

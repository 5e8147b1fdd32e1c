//! The product's knowledge as pure functions: plain data in, plain data out, no I/O. Compiled for
//! both the server and the browser, and kept apart from Leptos and sqlx by being a crate of its
//! own: the compiler, not a convention, stops a rule from reaching for a page or the database.

#[macro_use]
pub mod stored_enum;

pub mod access;
pub mod accounts;
pub mod assessments;
pub mod assignment;
pub mod cycles;
pub mod deadlines;
pub mod evidence;
pub mod explanation;
#[cfg(any(test, feature = "testing"))]
pub mod fixtures;
pub mod framework;
pub mod lifecycle;
pub mod moderation;
pub mod organisations;
#[cfg(feature = "passwords")]
pub mod passwords;
pub mod people_import;
pub mod reasons;
pub mod reply;
pub mod results;
pub mod review;
pub mod review_assignment;
pub mod reviewers;
pub mod scoring;
pub mod second_factor;
pub mod sign_in;
pub mod signals;
pub mod who_is_missing;

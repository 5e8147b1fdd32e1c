//! The few NHS.UK design-system pieces every page is built from.

mod layout;
mod messages;

pub use layout::{Footer, Header, PhaseBanner};
pub use messages::{CareSettingTags, ErrorPanel};

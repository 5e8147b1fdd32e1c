//! The few NHS.UK design-system pieces every page is built from.

pub mod autosave;
mod character_count;
mod forms;
mod layout;
mod messages;

pub use character_count::CharacterCount;
pub use forms::{
    action_error, field_message, form_group_class, FormErrors, InlineError, SuccessBanner,
    TextField,
};
pub use layout::{Footer, Header, PhaseBanner};
pub use messages::{CareSettingTags, ErrorPanel, SummaryRow};

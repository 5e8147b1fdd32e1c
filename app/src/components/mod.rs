//! The few NHS.UK design-system pieces every page is built from.

pub mod autosave;
mod character_count;
pub mod charts;
mod check_answers;
mod choices;
mod criterion;
mod forms;
mod layout;
mod loaded;
mod messages;
mod signals;

pub use character_count::CharacterCount;
pub use check_answers::CheckAnswersRow;
pub use choices::{Checkboxes, Choice, Legend, Radios};
pub use criterion::CriterionJudgement;
pub use forms::{
    action_error, field_message, flash_banner, form_group_class, FormErrors, InlineError,
    SuccessBanner, TextArea, TextField,
};
pub use layout::{Footer, Header, PhaseBanner};
pub use loaded::Loaded;
pub use messages::{CareSettingTags, ErrorPanel, SummaryRow};
pub use signals::Signals;

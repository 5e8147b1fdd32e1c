//! Saving a form as you go, for the islands of the trust's and the reviewer's domain pages: a
//! choice is saved at once, typed text when the typing pauses, one save at a time, and the words
//! shown are always true ("All changes saved" only when the last save holds everything typed).
//! Without JavaScript the same forms are plain posts.

use crate::api::assessments::SaveOutcome;
use crate::error::AppError;
use leptos::form::FromFormData;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// What the person is told about saving as they go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutosaveState {
    Idle,
    /// Typed, and a save will follow when the typing pauses.
    Unsaved,
    Saving,
    Saved,
    Failed,
}

impl AutosaveState {
    pub fn message(self, deliberate_save: &'static str) -> String {
        match self {
            AutosaveState::Idle => String::new(),
            AutosaveState::Unsaved => "Not saved yet.".into(),
            AutosaveState::Saving => "Saving…".into(),
            AutosaveState::Saved => "All changes saved.".into(),
            AutosaveState::Failed => format!(
                "Not saved: see the message at the top of the page. Select {deliberate_save} to save your answers."
            ),
        }
    }
}

/// How long typing must pause before what was typed is saved.
const TYPING_PAUSE: std::time::Duration = std::time::Duration::from_millis(800);

/// A server function that saves one domain's form and can be sent as a draft.
pub trait DraftSave:
    ServerFn<Output = SaveOutcome, Error = AppError> + FromFormData + Clone + Send + Sync + 'static
{
    /// The same save as a draft (it stays on the page) made from `version`.
    fn into_draft(self, version: i64) -> Self;
}

/// Saving as you go for the form inside `form_area`.
pub struct Autosave<S: DraftSave> {
    action: ServerAction<S>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    form_area: NodeRef<leptos::html::Div>,
    pub state: RwSignal<AutosaveState>,
    /// The version the next save is made from.
    pub version: RwSignal<i64>,
    /// The level the last save gave the domain.
    pub score: RwSignal<u8>,
    /// Every keystroke or choice is a new edit; a save covers the edits up to when it was sent.
    edits: RwSignal<u64>,
    edits_in_save: RwSignal<u64>,
    editable: bool,
}

impl<S: DraftSave> Clone for Autosave<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: DraftSave> Copy for Autosave<S> {}

impl<S: DraftSave> Autosave<S> {
    pub fn new(
        action: ServerAction<S>,
        form_area: NodeRef<leptos::html::Div>,
        version: i64,
        score: u8,
        editable: bool,
    ) -> Self {
        let autosave = Autosave {
            action,
            form_area,
            state: RwSignal::new(AutosaveState::Idle),
            version: RwSignal::new(version),
            score: RwSignal::new(score),
            edits: RwSignal::new(0),
            edits_in_save: RwSignal::new(0),
            editable,
        };
        Effect::new(move |_| autosave.take_result());
        // Leaving with typing not yet saved asks first.
        let _ = window_event_listener(leptos::ev::beforeunload, move |event| {
            if matches!(
                autosave.state.get_untracked(),
                AutosaveState::Unsaved | AutosaveState::Saving
            ) {
                event.prevent_default();
                event.set_return_value("Your latest changes have not been saved yet.");
            }
        });
        autosave
    }

    /// A choice was made: save at once.
    pub fn changed(self) {
        if self.may_autosave() {
            self.edits.update(|count| *count += 1);
            self.save_when_free();
        }
    }

    /// Text was typed: save when the typing pauses.
    pub fn typed(self) {
        if !self.may_autosave() {
            return;
        }
        self.edits.update(|count| *count += 1);
        self.state.set(AutosaveState::Unsaved);
        let this_edit = self.edits.get_untracked();
        set_timeout(
            move || {
                if self.edits.get_untracked() == this_edit {
                    self.save_when_free();
                }
            },
            TYPING_PAUSE,
        );
    }

    fn may_autosave(self) -> bool {
        self.editable && self.state.get_untracked() != AutosaveState::Failed
    }

    /// One save at a time: edits made while one is on its way are saved when it returns.
    fn save_when_free(self) {
        if !self.action.pending().get_untracked() {
            self.save_now();
        }
    }

    fn save_now(self) {
        self.edits_in_save.set(self.edits.get_untracked());
        self.state.set(AutosaveState::Saving);
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let Some(form) = self
                .form_area
                .get_untracked()
                .and_then(|area| area.query_selector("form").ok().flatten())
                .and_then(|form| form.dyn_into::<leptos::web_sys::HtmlFormElement>().ok())
            else {
                return;
            };
            let Ok(form_data) = leptos::web_sys::FormData::new_with_form(&form) else {
                return;
            };
            match S::from_form_data(&form_data) {
                Ok(args) => {
                    self.action
                        .dispatch(args.into_draft(self.version.get_untracked()));
                }
                Err(error) => {
                    leptos::logging::error!("the form could not be read: {error:?}");
                    self.state.set(AutosaveState::Failed);
                }
            }
        }
    }

    fn take_result(self) {
        match self.action.value().get() {
            Some(Ok(outcome)) => {
                self.version.set(outcome.version);
                self.score.set(outcome.score);
                if self.edits.get_untracked() == self.edits_in_save.get_untracked() {
                    self.state.set(AutosaveState::Saved);
                } else {
                    self.save_now();
                }
            }
            Some(Err(AppError::Conflict {
                current_version, ..
            })) => {
                // Saving as you go stops; the next deliberate save replaces what was saved
                // elsewhere, now that this person has seen it.
                self.version.set(current_version);
                self.state.set(AutosaveState::Failed);
            }
            Some(Err(_)) => self.state.set(AutosaveState::Failed),
            None => {}
        }
    }
}

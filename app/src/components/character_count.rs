//! A textarea with a character count, as the GOV.UK pattern has it: without JavaScript the limit
//! is stated; with it, the characters left are counted as you type and announced politely, so
//! nobody types past the limit unawares. The server enforces the limit either way.

use leptos::prelude::*;

/// The textarea `id`, posted as `name`, starting with `text`; `described_by` is the id of its hint.
#[island]
pub fn CharacterCount(
    id: String,
    name: String,
    text: String,
    max: usize,
    described_by: String,
) -> impl IntoView {
    let count = RwSignal::new(text.chars().count());
    // Effects run only in the browser: until the island is live, the limit is stated instead.
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    let message_id = format!("{id}-count");
    let message = move || {
        if !live.get() {
            return format!("You can enter up to {max} characters");
        }
        let used = count.get();
        if used <= max {
            format!("You have {} characters remaining", max - used)
        } else {
            format!("You have {} characters too many", used - max)
        }
    };
    view! {
        <textarea
            class="nhsuk-textarea"
            id=id
            name=name
            rows="5"
            aria-describedby=format!("{described_by} {message_id}")
            on:input=move |event| count.set(event_target_value(&event).chars().count())
        >{text}</textarea>
        <div class="nhsuk-hint nhsuk-character-count__message" id=message_id aria-live="polite">{message}</div>
    }
}

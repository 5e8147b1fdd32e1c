//! The reasons people give for a change, which the audit trail keeps: every form that asks "why"
//! accepts them the same way.

/// `text` without surrounding spaces, if it says something in `max_chars` characters or fewer.
pub fn given_reason(text: &str, max_chars: usize) -> Option<&str> {
    let reason = text.trim();
    (!reason.is_empty() && reason.chars().count() <= max_chars).then_some(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_trimmed_and_must_say_something_within_the_limit() {
        assert_eq!(given_reason("  On leave ", 10), Some("On leave"));
        assert_eq!(given_reason(" \n ", 10), None);
        assert_eq!(given_reason(&"é".repeat(10), 10), Some("éééééééééé"));
        assert_eq!(given_reason(&"x".repeat(11), 10), None);
    }
}

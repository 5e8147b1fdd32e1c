//! Form fields whose meaning is not their text, decoded once where a server function's arguments
//! are: which button was pressed, and whether a checkbox was ticked.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where a domain form goes after saving, as its button says. A save as you go sends no button.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Then {
    /// Save and stay on the page: saving as you go, where a draft may be unfinished.
    #[default]
    Save,
    /// "Save and continue": the answers must be finished, and the page moves on.
    Continue,
}

/// A checkbox: a browser sends its field, with its value, only when it is ticked, so a field
/// present with a value (whatever it is) is ticked, and one left out or empty is not (the
/// argument takes `#[server(default)]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checkbox(pub bool);

impl Checkbox {
    pub fn ticked(self) -> bool {
        self.0
    }
}

impl<'de> Deserialize<'de> for Checkbox {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<String>::deserialize(deserializer)
            .map(|value| Checkbox(value.is_some_and(|value| !value.is_empty())))
    }
}

/// As a browser sends it: the field when ticked, nothing when not.
impl Serialize for Checkbox {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 {
            serializer.serialize_some("on")
        } else {
            serializer.serialize_none()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Form {
        #[serde(default)]
        declaration: Checkbox,
        #[serde(default)]
        then: Then,
    }

    fn decoded(body: &str) -> Form {
        serde_qs::from_str(body).expect("a form")
    }

    #[test]
    fn a_checkbox_is_ticked_when_its_field_is_sent_with_a_value_whatever_it_is() {
        assert!(decoded("declaration=confirmed").declaration.ticked());
        assert!(decoded("declaration=on").declaration.ticked());
        assert!(!decoded("declaration=").declaration.ticked());
        assert!(!decoded("").declaration.ticked());
    }

    #[test]
    fn the_button_pressed_is_read_and_no_button_is_a_save_as_you_go() {
        assert_eq!(decoded("then=continue").then, Then::Continue);
        assert_eq!(decoded("").then, Then::Save);
        assert!(serde_qs::from_str::<Form>("then=elsewhere").is_err());
    }

    #[test]
    fn a_form_encoded_for_a_server_function_decodes_to_itself() {
        for form in [
            Form {
                declaration: Checkbox(true),
                then: Then::Continue,
            },
            Form {
                declaration: Checkbox(false),
                then: Then::Save,
            },
        ] {
            let body = serde_qs::to_string(&form).expect("encoded");
            assert_eq!(decoded(&body), form, "{body}");
        }
    }
}

//! `stored_enum!`: an enum that is stored as text and shown to people, written once. Each variant
//! names its stable key (what the database and forms hold) and its label (what people read); the
//! macro gives `ALL` in declaration order, `key`, `label` and `from_key`, so the three can never
//! drift apart.

/// ```ignore
/// stored_enum! {
///     /// Where a cycle is.
///     pub enum Phase {
///         Setup = ("setup", "Setting up"),
///         Submission = ("submission", "Self-assessment"),
///     }
/// }
/// ```
#[macro_export]
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = ($key:literal, $label:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
        )]
        $vis enum $name {
            $( $(#[$variant_meta])* $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; [$($key),+].len()] = [$($name::$variant),+];

            /// The stable name stored in the database and used in forms.
            pub fn key(self) -> &'static str {
                match self { $( $name::$variant => $key ),+ }
            }

            /// The name people read.
            pub fn label(self) -> &'static str {
                match self { $( $name::$variant => $label ),+ }
            }

            pub fn from_key(key: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|value| value.key() == key)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    stored_enum! {
        enum Colour {
            Red = ("red", "Red"),
            DarkBlue = ("dark_blue", "Dark blue"),
        }
    }

    #[test]
    fn keys_and_labels_round_trip_in_declaration_order() {
        assert_eq!(Colour::ALL, [Colour::Red, Colour::DarkBlue]);
        for colour in Colour::ALL {
            assert_eq!(Colour::from_key(colour.key()), Some(colour));
        }
        assert_eq!(Colour::DarkBlue.label(), "Dark blue");
        assert_eq!(Colour::from_key("Dark blue"), None, "labels are not keys");
        assert!(Colour::Red < Colour::DarkBlue);
    }
}

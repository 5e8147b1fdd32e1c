//! `stored_enum!`: an enum that is stored as text and shown to people, written once. Each variant
//! names its stable key (what the database and forms hold) and its label (what people read); the
//! macro gives `ALL` in declaration order, `key`, `label`, `from_key` and reading a key as the
//! enum (`TryFrom<String>`), so they can never drift apart.

/// ```ignore
/// stored_enum! {
///     /// Where a cycle is.
///     pub enum Phase {
///         Setup = ("setup", "Setting up"),
///         Submission = ("submission", "Self-assessment"),
///     }
/// }
///
/// stored_enum! {
///     /// A type without a label people read names its keys only.
///     pub enum LinkPurpose {
///         Invitation = "invitation",
///     }
/// }
/// ```
///
/// Either form gives `TryFrom<String>` by key, so that the store reads a column straight into
/// the enum (`#[sqlx(try_from = "String")]`) without these rules knowing SQL; with labels, it
/// gives `label` and a `Display` of the label too.
#[macro_export]
macro_rules! stored_enum {
    (
        @keyed
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $key:literal ),+
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

            pub fn from_key(key: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|value| value.key() == key)
            }
        }

        impl ::std::convert::TryFrom<String> for $name {
            type Error = $crate::stored_enum::UnknownKey;

            fn try_from(key: String) -> Result<$name, Self::Error> {
                $name::from_key(&key).ok_or($crate::stored_enum::UnknownKey {
                    type_name: stringify!($name),
                    key,
                })
            }
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = ($key:literal, $label:literal) ),+ $(,)?
        }
    ) => {
        $crate::stored_enum! {
            @keyed
            $(#[$meta])*
            $vis enum $name {
                $( $(#[$variant_meta])* $variant = $key ),+
            }
        }

        impl $name {
            /// The name people read.
            pub fn label(self) -> &'static str {
                match self { $( $name::$variant => $label ),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $key:literal ),+ $(,)?
        }
    ) => {
        $crate::stored_enum! {
            @keyed
            $(#[$meta])*
            $vis enum $name {
                $( $(#[$variant_meta])* $variant = $key ),+
            }
        }
    };
}

/// Stored text that is the key of no variant: a database holding a value this version of the
/// rules does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{key:?} is not the key of any {type_name}")]
pub struct UnknownKey {
    pub type_name: &'static str,
    pub key: String,
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
        assert_eq!(Colour::DarkBlue.to_string(), "Dark blue");
    }

    stored_enum! {
        enum Purpose {
            Invitation = "invitation",
        }
    }

    #[test]
    fn stored_text_reads_back_by_key_and_unknown_text_is_refused() {
        assert_eq!(
            Purpose::try_from("invitation".to_string()),
            Ok(Purpose::Invitation)
        );
        assert_eq!(
            Colour::try_from("Red".to_string()),
            Err(super::UnknownKey {
                type_name: "Colour",
                key: "Red".into()
            })
        );
    }
}

//! The identifiers the store is asked about, each a type of its own, so that an assessment's id
//! cannot be passed where an account's goes. They are stored as text and read straight from
//! their columns (`#[sqlx(transparent)]`); the API turns the strings of forms and addresses into
//! them at its edge with `From`.

use std::fmt;

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::Type)]
        #[sqlx(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                $name(text)
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                $name(text.to_string())
            }
        }

        impl From<&String> for $name {
            fn from(text: &String) -> Self {
                $name(text.clone())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_id!(
    /// A person's account.
    AccountId
);
text_id!(
    /// One organisation's assessment in one cycle.
    AssessmentId
);
text_id!(
    /// One reviewer's place on one assessment's peer review.
    ReviewSlotId
);
text_id!(
    /// An assessment cycle (a year).
    CycleId
);
text_id!(
    /// An organisation's code in NHS England's Organisation Data Service.
    OdsCode
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::test_databases;

    #[tokio::test]
    async fn an_id_is_written_and_read_as_the_text_it_holds() {
        for (db, _dir) in test_databases().await {
            let id = AssessmentId::from("assessment-1");
            let read: AssessmentId = sqlx::query_scalar("SELECT $1")
                .bind(&id)
                .fetch_one(&db.pool)
                .await
                .unwrap();
            assert_eq!(read, id);
            assert_eq!(read.as_str(), "assessment-1");
        }
    }
}

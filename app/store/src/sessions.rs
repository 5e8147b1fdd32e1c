//! Sessions of tower-sessions kept in our own table. The published sqlx stores are typed to one
//! database (SqliteStore, PostgresStore) and cannot use the Any pool that lets one binary run on
//! either, so this small store does the same over Any.

use super::{now_utc, timestamp, Db};
use crate::ids::AccountId;
use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore { db }
    }
}

fn backend(error: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

/// The key under which a signed-in session holds its account's id (see api::guard).
pub const ACCOUNT_KEY: &str = "account_id";

/// The account a session is signed in as, kept in a column of its own so that a person's
/// sessions can be listed and ended.
fn owner(record: &Record) -> Option<String> {
    record
        .data
        .get(ACCOUNT_KEY)
        .and_then(|value| value.as_str())
        .map(str::to_string)
}

#[async_trait]
impl SessionStore for DbSessionStore {
    /// Inserts a new session, choosing another id in the unlikely case the random one is taken.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        loop {
            let inserted = sqlx::query(
                "INSERT INTO sessions (id, data, expires_at, account_id) VALUES ($1, $2, $3, $4)",
            )
            .bind(record.id.to_string())
            .bind(&data)
            .bind(stored_expiry(record.expiry_date))
            .bind(owner(record))
            .execute(self.db.writer())
            .await;
            match inserted {
                Ok(_) => return Ok(()),
                Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                    record.id = Id::default()
                }
                Err(error) => return Err(backend(error)),
            }
        }
    }

    /// Updates a session that exists; never inserts one. tower-sessions calls `save` only for a
    /// session it loaded from this store (a new or re-keyed one goes through `create`), so a
    /// missing row means the session was deleted meanwhile: signed out, signed out everywhere,
    /// or its account disabled. Inserting it again would undo that, so it stays deleted.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        sqlx::query(
            "UPDATE sessions SET data = $1, expires_at = $2, account_id = $3 WHERE id = $4",
        )
        .bind(&data)
        .bind(stored_expiry(record.expiry_date))
        .bind(owner(record))
        .bind(record.id.to_string())
        .execute(self.db.writer())
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(id.to_string())
        .bind(now_utc())
        .fetch_optional(&self.db.pool)
        .await
        .map_err(backend)?;
        let Some((data, expires_at)) = row else {
            return Ok(None);
        };
        let expiry_date = expires_at
            .parse::<jiff::Timestamp>()
            .map_err(|e| e.to_string())
            .and_then(|at| {
                time::OffsetDateTime::from_unix_timestamp_nanos(at.as_nanosecond())
                    .map_err(|e| e.to_string())
            })
            .map_err(session_store::Error::Decode)?;
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&data)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(self.db.writer())
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now_utc())
            .execute(self.db.writer())
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// One of a person's sessions, as they see it: when it signed in and was last active. Its id is
/// never shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnSession {
    pub id: String,
    pub signed_in_at: Option<String>,
    pub active_at: Option<String>,
}

/// The sessions an account is signed in with now, the most recently active first.
pub async fn of_account(db: &Db, account_id: &AccountId) -> Result<Vec<OwnSession>, sqlx::Error> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT id, data FROM sessions WHERE account_id = $1 AND expires_at > $2")
            .bind(account_id)
            .bind(now_utc())
            .fetch_all(&db.pool)
            .await?;
    let mut sessions: Vec<OwnSession> = rows
        .into_iter()
        .map(|(id, data)| {
            let data: serde_json::Value = serde_json::from_str(&data).unwrap_or_default();
            let text = |key: &str| data.get(key).and_then(|v| v.as_str()).map(str::to_string);
            OwnSession {
                id,
                signed_in_at: text("signed_in_at"),
                active_at: text("active_at"),
            }
        })
        .collect();
    sessions.sort_by(|a, b| b.active_at.cmp(&a.active_at));
    Ok(sessions)
}

/// A session's expiry as stored. tower-sessions hands it over in the `time` crate's type; the
/// rest of the service keeps moments in jiff's.
fn stored_expiry(expiry: time::OffsetDateTime) -> String {
    let nanoseconds = expiry.unix_timestamp_nanos();
    timestamp(
        jiff::Timestamp::from_nanosecond(nanoseconds).expect("a session expires in jiff's range"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::test_databases;

    fn signed_in_record() -> Record {
        let mut data = std::collections::HashMap::new();
        data.insert(ACCOUNT_KEY.to_string(), serde_json::json!("account-1"));
        Record {
            id: Id::default(),
            data,
            expiry_date: time::OffsetDateTime::now_utc() + time::Duration::minutes(30),
        }
    }

    /// A request that loaded the session before sign-out and saves it after (its idle timer
    /// refreshed) must not bring the session back.
    #[tokio::test]
    async fn a_deleted_session_stays_deleted_when_a_request_in_flight_saves_it() {
        for (db, _folder) in test_databases().await {
            let store = DbSessionStore::new(db.clone());
            let mut record = signed_in_record();
            store.create(&mut record).await.unwrap();
            let mut in_flight = store.load(&record.id).await.unwrap().expect("it exists");

            in_flight
                .data
                .insert("active_at".into(), serde_json::json!("later"));
            store.save(&in_flight).await.unwrap();
            assert_eq!(
                store.load(&record.id).await.unwrap().unwrap().data["active_at"],
                "later",
                "a session that exists is saved"
            );

            store.delete(&record.id).await.unwrap();
            store.save(&in_flight).await.unwrap();
            assert_eq!(store.load(&record.id).await.unwrap(), None);
            assert!(of_account(&db, &AccountId::from("account-1"))
                .await
                .unwrap()
                .is_empty());
        }
    }
}

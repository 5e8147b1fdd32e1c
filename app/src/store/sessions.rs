//! Sessions of tower-sessions kept in our own table. The published sqlx stores are typed to one
//! database (SqliteStore, PostgresStore) and cannot use the Any pool that lets one binary run on
//! either, so this small store does the same over Any.

use super::{timestamp, Db};
use async_trait::async_trait;
use sqlx::Row;
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

#[async_trait]
impl SessionStore for DbSessionStore {
    /// Inserts a new session, choosing another id in the unlikely case the random one is taken.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        loop {
            let inserted =
                sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3)")
                    .bind(record.id.to_string())
                    .bind(&data)
                    .bind(timestamp(record.expiry_date))
                    .execute(&self.db.pool)
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

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let id = record.id.to_string();
        let expires_at = timestamp(record.expiry_date);
        let updated = sqlx::query("UPDATE sessions SET data = $1, expires_at = $2 WHERE id = $3")
            .bind(&data)
            .bind(&expires_at)
            .bind(&id)
            .execute(&self.db.pool)
            .await
            .map_err(backend)?;
        if updated.rows_affected() == 0 {
            sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3)")
                .bind(&id)
                .bind(&data)
                .bind(&expires_at)
                .execute(&self.db.pool)
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row =
            sqlx::query("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
                .bind(id.to_string())
                .bind(timestamp(time::OffsetDateTime::now_utc()))
                .fetch_optional(&self.db.pool)
                .await
                .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let data: String = row.try_get("data").map_err(backend)?;
        let expires_at: String = row.try_get("expires_at").map_err(backend)?;
        let expiry_date = time::OffsetDateTime::parse(
            &expires_at,
            &time::format_description::well_known::Rfc3339,
        )
        .map_err(|e| session_store::Error::Decode(e.to_string()))?;
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
            .execute(&self.db.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(timestamp(time::OffsetDateTime::now_utc()))
            .execute(&self.db.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

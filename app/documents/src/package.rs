//! Office Open XML (Word, Excel, PowerPoint) and OpenDocument files are zip packages: which kind
//! one is, is written in the package, in `[Content_Types].xml` (OOXML) or `mimetype` (ODF).

use std::fs::File;
use std::io::{BufReader, Read};

use zip::ZipArchive;

use crate::{DocumentKind, NotAccepted};

/// The main parts' content types of the accepted OOXML kinds.
const OOXML_MAIN_PARTS: [(&str, DocumentKind); 3] = [
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        DocumentKind::Word,
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        DocumentKind::Excel,
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
        DocumentKind::PowerPoint,
    ),
];

/// Main parts of OOXML kinds that are not accepted, for a refusal that names them.
const OOXML_OTHER_MAIN_PARTS: [(&str, &str); 5] = [
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
        "a Word template",
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
        "an Excel template",
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml",
        "a PowerPoint template",
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml",
        "a PowerPoint slide show",
    ),
    (
        "application/vnd.ms-excel.sheet.binary.macroEnabled.main",
        "an Excel binary spreadsheet (.xlsb)",
    ),
];

const ODF_KINDS: [(&str, DocumentKind); 3] = [
    (
        "application/vnd.oasis.opendocument.text",
        DocumentKind::OdfText,
    ),
    (
        "application/vnd.oasis.opendocument.spreadsheet",
        DocumentKind::OdfSpreadsheet,
    ),
    (
        "application/vnd.oasis.opendocument.presentation",
        DocumentKind::OdfPresentation,
    ),
];

/// The manifests are small; reading no more than this keeps a zip bomb from filling memory.
const MANIFEST_LIMIT: u64 = 1024 * 1024;

/// The kind of the zip file `file`, or why it is not accepted.
pub(crate) fn kind(file: File) -> Result<DocumentKind, NotAccepted> {
    let Ok(mut archive) = ZipArchive::new(BufReader::new(file)) else {
        // Zip's magic number, but not a zip that can be read: damaged, or not a zip at all.
        return Err(NotAccepted::Unrecognised);
    };
    if let Some(content_types) = read_entry(&mut archive, "[Content_Types].xml") {
        ooxml_kind(&content_types, |part| {
            archive.index_for_name(part).is_some()
        })
    } else if let Some(mimetype) = read_entry(&mut archive, "mimetype") {
        odf_kind(
            mimetype.trim(),
            archive.index_for_name("content.xml").is_some(),
        )
    } else {
        Err(NotAccepted::Archive {
            detected: "a zip archive".into(),
        })
    }
}

fn read_entry(archive: &mut ZipArchive<BufReader<File>>, name: &str) -> Option<String> {
    let entry = archive.by_name(name).ok()?;
    let mut text = String::new();
    entry.take(MANIFEST_LIMIT).read_to_string(&mut text).ok()?;
    Some(text)
}

/// An OOXML package is the kind its one accepted main part says, when that part is in the
/// package; anything with macros is refused, whatever its main part.
fn ooxml_kind(
    content_types: &str,
    has_part: impl Fn(&str) -> bool,
) -> Result<DocumentKind, NotAccepted> {
    let declared = content_type_declarations(content_types);
    if declared
        .iter()
        .any(|(_, content_type)| content_type.to_ascii_lowercase().contains("macroenabled"))
    {
        return Err(NotAccepted::OtherType {
            detected: "an Office file with macros".into(),
        });
    }
    let mut kinds: Vec<DocumentKind> = declared
        .iter()
        .filter(|(part, _)| part.is_some_and(|part| has_part(part.trim_start_matches('/'))))
        .filter_map(|(_, content_type)| {
            OOXML_MAIN_PARTS
                .iter()
                .find(|(main, _)| main == content_type)
                .map(|(_, kind)| *kind)
        })
        .collect();
    kinds.dedup();
    match kinds[..] {
        [kind] => Ok(kind),
        [] => {
            let other = declared.iter().find_map(|(_, content_type)| {
                OOXML_OTHER_MAIN_PARTS
                    .iter()
                    .find(|(main, _)| main == content_type)
            });
            match other {
                Some((_, detected)) => Err(NotAccepted::OtherType {
                    detected: (*detected).into(),
                }),
                None => Err(NotAccepted::OfficeFileNotAsNamed),
            }
        }
        _ => Err(NotAccepted::OfficeFileNotAsNamed),
    }
}

/// The `(PartName, ContentType)` of each `<Override>` and `(None, ContentType)` of each
/// `<Default>` in `[Content_Types].xml`. A scan rather than an XML parser: the file is a flat
/// list of empty elements with two attributes each.
fn content_type_declarations(xml: &str) -> Vec<(Option<&str>, &str)> {
    xml.split('<')
        .filter_map(|element| {
            let element = &element[..element.find('>').unwrap_or(element.len())];
            if element.starts_with("Override") {
                Some((
                    attribute(element, "PartName"),
                    attribute(element, "ContentType")?,
                ))
            } else if element.starts_with("Default") {
                Some((None, attribute(element, "ContentType")?))
            } else {
                None
            }
        })
        .collect()
}

fn attribute<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    element.split_whitespace().find_map(|pair| {
        let value = pair
            .strip_prefix(name)?
            .trim_end_matches('/')
            .strip_prefix('=')?;
        let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        value[1..].strip_suffix(quote)
    })
}

fn odf_kind(mimetype: &str, has_content: bool) -> Result<DocumentKind, NotAccepted> {
    match ODF_KINDS.iter().find(|(declared, _)| *declared == mimetype) {
        Some((_, kind)) if has_content => Ok(*kind),
        Some(_) => Err(NotAccepted::OfficeFileNotAsNamed),
        None if mimetype == "application/epub+zip" => Err(NotAccepted::OtherType {
            detected: "an e-book".into(),
        }),
        None if mimetype.starts_with("application/vnd.oasis.opendocument.") => {
            Err(NotAccepted::OtherType {
                detected: format!("an OpenDocument file of type {mimetype}"),
            })
        }
        None => Err(NotAccepted::OfficeFileNotAsNamed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORD_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"#;

    #[test]
    fn reads_overrides_and_defaults_in_either_quote() {
        let declared = content_type_declarations(
            r#"<Types><Default Extension="xml" ContentType='application/xml'/><Override ContentType="a/b" PartName="/x/y.xml" /></Types>"#,
        );
        assert_eq!(
            declared,
            [(None, "application/xml"), (Some("/x/y.xml"), "a/b")]
        );
    }

    #[test]
    fn the_main_part_decides_when_it_is_in_the_package() {
        assert_eq!(
            ooxml_kind(WORD_TYPES, |part| part == "word/document.xml"),
            Ok(DocumentKind::Word)
        );
        assert_eq!(
            ooxml_kind(WORD_TYPES, |_| false),
            Err(NotAccepted::OfficeFileNotAsNamed)
        );
    }

    #[test]
    fn macros_are_refused_whatever_the_main_part() {
        let with_macros = WORD_TYPES.replace(
            "</Types>",
            r#"<Override PartName="/word/vbaData.xml" ContentType="application/vnd.ms-word.vbaData+xml"/><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Override PartName="/x" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>"#,
        );
        assert_eq!(
            ooxml_kind(&with_macros, |_| true),
            Err(NotAccepted::OtherType {
                detected: "an Office file with macros".into()
            })
        );
    }

    #[test]
    fn odf_needs_its_content() {
        assert_eq!(
            odf_kind("application/vnd.oasis.opendocument.spreadsheet", true),
            Ok(DocumentKind::OdfSpreadsheet)
        );
        assert_eq!(
            odf_kind("application/vnd.oasis.opendocument.spreadsheet", false),
            Err(NotAccepted::OfficeFileNotAsNamed)
        );
        assert_eq!(
            odf_kind("application/vnd.oasis.opendocument.graphics", true),
            Err(NotAccepted::OtherType {
                detected:
                    "an OpenDocument file of type application/vnd.oasis.opendocument.graphics"
                        .into()
            })
        );
    }
}

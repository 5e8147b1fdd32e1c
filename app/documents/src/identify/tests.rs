use std::io::Write;

use proptest::prelude::*;
use zip::write::SimpleFileOptions;

use super::*;

/// The EICAR anti-virus test file: harmless ASCII that every scanner reports.
pub(crate) const EICAR: &[u8] =
    br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n";

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// The start of a JFIF JPEG (markers SOI and APP0), then its end marker.
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9,
];

/// A DOS/Windows program's header: "MZ", then the offset of the PE header, then "PE\0\0".
fn windows_program() -> Vec<u8> {
    let mut bytes = vec![0u8; 256];
    bytes[..2].copy_from_slice(b"MZ");
    bytes[0x3C] = 0x80;
    bytes[0x80..0x84].copy_from_slice(b"PE\0\0");
    bytes
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, contents) in entries {
        // ODF's mimetype must be stored, not compressed; storing everything is simplest.
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        writer.start_file(*name, options).unwrap();
        writer.write_all(contents).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn ooxml(main_part: &str, main_type: &str) -> Vec<u8> {
    let content_types = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/{main_part}" ContentType="{main_type}"/></Types>"#
    );
    let relationships = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{main_part}"/></Relationships>"#
    );
    zip_of(&[
        ("[Content_Types].xml", content_types.as_bytes()),
        ("_rels/.rels", relationships.as_bytes()),
        (main_part, b"<?xml version=\"1.0\"?><document/>"),
    ])
}

fn docx() -> Vec<u8> {
    ooxml(
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    )
}

fn xlsx() -> Vec<u8> {
    ooxml(
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    )
}

fn pptx() -> Vec<u8> {
    ooxml(
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    )
}

fn odf(mimetype: &str) -> Vec<u8> {
    zip_of(&[
        ("mimetype", mimetype.as_bytes()),
        (
            "content.xml",
            b"<?xml version=\"1.0\"?><office:document-content/>",
        ),
        (
            "META-INF/manifest.xml",
            b"<?xml version=\"1.0\"?><manifest:manifest/>",
        ),
    ])
}

/// `identify` of `bytes` uploaded as `name`.
fn identified(bytes: &[u8], name: &str) -> Result<DocumentKind, NotAccepted> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    identify(file.path(), name)
}

#[test]
fn each_accepted_kind_is_known_by_its_bytes() {
    let cases: [(Vec<u8>, &str, DocumentKind); 13] = [
        (PDF.to_vec(), "board-paper.pdf", DocumentKind::Pdf),
        (docx(), "strategy.docx", DocumentKind::Word),
        (xlsx(), "risk-register.XLSX", DocumentKind::Excel),
        (pptx(), "board-slides.pptx", DocumentKind::PowerPoint),
        (
            odf("application/vnd.oasis.opendocument.text"),
            "policy.odt",
            DocumentKind::OdfText,
        ),
        (
            odf("application/vnd.oasis.opendocument.spreadsheet"),
            "audit.ods",
            DocumentKind::OdfSpreadsheet,
        ),
        (
            odf("application/vnd.oasis.opendocument.presentation"),
            "plan.odp",
            DocumentKind::OdfPresentation,
        ),
        (
            b"system,go-live\nEPR,2024-03-01\n".to_vec(),
            "systems.csv",
            DocumentKind::Csv,
        ),
        (
            "Minutes of the digital board, 3 March — agreed.\r\n"
                .as_bytes()
                .to_vec(),
            "minutes.txt",
            DocumentKind::PlainText,
        ),
        (PNG.to_vec(), "screenshot.png", DocumentKind::Png),
        (JPEG.to_vec(), "photo.jpg", DocumentKind::Jpeg),
        (JPEG.to_vec(), "photo.jpeg", DocumentKind::Jpeg),
        // Scanning, not typing, catches EICAR: to identify it is text like any other.
        (EICAR.to_vec(), "eicar.txt", DocumentKind::PlainText),
    ];
    for (bytes, name, kind) in cases {
        assert_eq!(identified(&bytes, name), Ok(kind), "{name}");
    }
}

#[test]
fn a_program_is_refused_whatever_its_name() {
    assert_eq!(
        identified(&windows_program(), "board-paper.pdf"),
        Err(NotAccepted::Program {
            detected: "a Windows program".into()
        })
    );
    let mut linux = b"\x7fELF\x02\x01\x01\0".to_vec();
    linux.resize(64, 0);
    assert_eq!(
        identified(&linux, "report.docx"),
        Err(NotAccepted::Program {
            detected: "a Linux program".into()
        })
    );
}

#[test]
fn a_plain_zip_named_as_a_document_is_an_archive() {
    assert_eq!(
        identified(&zip_of(&[("board-paper.pdf", PDF)]), "report.docx"),
        Err(NotAccepted::Archive {
            detected: "a zip archive".into()
        })
    );
}

#[test]
fn a_package_whose_content_types_name_nothing_accepted_is_refused() {
    let drawing = ooxml(
        "visio/document.xml",
        "application/vnd.ms-visio.drawing.main+xml",
    );
    assert_eq!(
        identified(&drawing, "report.docx"),
        Err(NotAccepted::OfficeFileNotAsNamed)
    );
    // The content types promise a Word document the package does not hold.
    let hollow = zip_of(&[("[Content_Types].xml", &docx_content_types_only())]);
    assert_eq!(
        identified(&hollow, "report.docx"),
        Err(NotAccepted::OfficeFileNotAsNamed)
    );
}

fn docx_content_types_only() -> Vec<u8> {
    br#"<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#.to_vec()
}

#[test]
fn macros_and_templates_are_named_in_the_refusal() {
    let with_macros = ooxml(
        "word/document.xml",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
    );
    assert_eq!(
        identified(&with_macros, "minutes.docx"),
        Err(NotAccepted::OtherType {
            detected: "an Office file with macros".into()
        })
    );
    let template = ooxml(
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    );
    assert_eq!(
        identified(&template, "letter.dotx"),
        Err(NotAccepted::OtherType {
            detected: "a Word template".into()
        })
    );
}

#[test]
fn a_name_that_says_another_kind_is_refused_with_what_the_file_is() {
    assert_eq!(
        identified(&xlsx(), "report.docx"),
        Err(NotAccepted::NameDisagrees {
            found: DocumentKind::Excel,
            extension: "docx".into()
        })
    );
    // Text that would run, or render, when opened under its own name.
    for (name, extension) in [("tidy.bat", "bat"), ("page.html", "html"), ("README", "")] {
        assert_eq!(
            identified(b"echo hello\r\n", name),
            Err(NotAccepted::NameDisagrees {
                found: DocumentKind::PlainText,
                extension: extension.into()
            }),
            "{name}"
        );
    }
}

#[test]
fn older_office_files_are_named_in_the_refusal() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let mut compound = cfb::CompoundFile::create(file.reopen().unwrap()).unwrap();
    let word_97 = uuid::Uuid::parse_str("00020906-0000-0000-c000-000000000046").unwrap();
    compound.set_storage_clsid("/", word_97).unwrap();
    compound
        .create_stream("/WordDocument")
        .unwrap()
        .write_all(&[0; 600])
        .unwrap();
    compound.flush().unwrap();
    drop(compound);
    assert_eq!(
        identify(file.path(), "minutes.doc"),
        Err(NotAccepted::OtherType {
            detected: "a Word 97–2003 document (.doc)".into()
        })
    );
}

#[test]
fn other_recognised_types_are_named() {
    assert_eq!(
        identified(b"GIF89a\x01\0\x01\0\0\0\0;", "chart.gif"),
        Err(NotAccepted::OtherType {
            detected: "a GIF image".into()
        })
    );
    assert_eq!(
        identified(b"#!/bin/sh\nrm -rf /\n", "notes.txt"),
        Err(NotAccepted::OtherType {
            detected: "a shell script".into()
        })
    );
}

#[test]
fn empty_junk_and_other_encodings_are_refused() {
    assert_eq!(identified(b"", "board-paper.pdf"), Err(NotAccepted::Empty));
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_eq!(
        identified(&junk, "data.csv"),
        Err(NotAccepted::Unrecognised)
    );
    // Windows-1252 "café", and UTF-16 (which is full of NULs).
    assert_eq!(
        identified(b"caf\xe9\n", "menu.txt"),
        Err(NotAccepted::Unrecognised)
    );
    assert_eq!(
        identified(b"\xff\xfeh\0i\0", "hi.txt"),
        Err(NotAccepted::Unrecognised)
    );
}

#[test]
fn a_missing_file_is_unreadable_not_refused() {
    assert!(matches!(
        identify(Path::new("/nonexistent/upload"), "a.pdf"),
        Err(NotAccepted::Unreadable { .. })
    ));
}

proptest! {
    /// Text is judged in 64 KiB blocks: a character cut by a block's end must not count against
    /// it, wherever the cut falls.
    #[test]
    fn text_is_text_wherever_the_blocks_cut_it(
        padding in 0usize..4,
        text in "[a-zA-Z0-9 ,.\n\t£é€😀]{1,200}",
        repeats in 300usize..700,
    ) {
        let mut bytes = "x".repeat(padding).into_bytes();
        while bytes.len() < repeats * 200 {
            bytes.extend_from_slice(text.as_bytes());
        }
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&bytes).unwrap();
        prop_assert!(is_text(File::open(file.path()).unwrap()).unwrap());
        // One NUL anywhere makes it not text.
        let at = bytes.len() * 3 / 5;
        bytes.insert(at, 0);
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&bytes).unwrap();
        prop_assert!(!is_text(File::open(file.path()).unwrap()).unwrap());
    }
}

//! What a file is, decided from its bytes: the name and the browser's claim never decide it.
//!
//! A name must still agree with the bytes: the file is downloaded under the name it was uploaded
//! with, so a `.docx` that is really a spreadsheet would not open in Word on a reviewer's
//! computer, and text named `.bat` or `.html` would run or render there. Such a file is refused
//! with [`NotAccepted::NameDisagrees`], saying what it really is, rather than accepted under a
//! misleading name; renaming it is the uploader's fix.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::{package, DocumentKind};

/// Why a file is not accepted as evidence: data for the refusal a person reads, e.g.
/// "board-paper.exe is not a document we accept: it is a Windows program". `detected` fields
/// are that phrase ("a Windows program"), with its article.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAccepted {
    #[error("the file is empty")]
    Empty,
    /// Something that runs: a Windows, Linux, macOS, Java, Android or WebAssembly program.
    #[error("a program: {detected}")]
    Program { detected: String },
    /// A zip (not an Office or OpenDocument file), RAR, 7-Zip, gzip or tar archive.
    #[error("an archive: {detected}")]
    Archive { detected: String },
    /// A recognised type that is not accepted: a GIF, a Word 97–2003 document, a Word document
    /// with macros, a web page, a video…
    #[error("a type not accepted: {detected}")]
    OtherType { detected: String },
    /// An Office or OpenDocument package whose manifest names no document we accept, or more
    /// than one (a `.docx` whose content types say it is something else).
    #[error("an Office or OpenDocument package with no accepted main part")]
    OfficeFileNotAsNamed,
    /// An accepted kind of document under a name whose extension says otherwise (or has none):
    /// `extension` is lowercase without the dot, empty when the name has none.
    #[error("a {found} named .{extension}")]
    NameDisagrees {
        found: DocumentKind,
        extension: String,
    },
    /// Bytes of no type we recognise: binary, or text in an encoding other than UTF-8.
    #[error("unrecognised bytes")]
    Unrecognised,
    /// The received file could not be read (a fault of the server, not of the upload).
    #[error("could not read the received file: {reason}")]
    Unreadable { reason: String },
}

impl From<io::Error> for NotAccepted {
    fn from(error: io::Error) -> NotAccepted {
        NotAccepted::Unreadable {
            reason: error.to_string(),
        }
    }
}

/// How much of the start of a file is read for its magic number (infer looks for PDF's within
/// the first 1 KiB; the rest is for Compound File documents).
const HEAD: u64 = 8 * 1024;

/// What kind of accepted document the file at `path` is, or why it is not accepted.
/// `file_name` is the name it was uploaded with; it decides only between CSV and plain text,
/// and must otherwise agree with the bytes (see the module's comment). It reads the file with
/// blocking I/O (all of it, for text), so call it from `spawn_blocking` in a server.
pub fn identify(path: &Path, file_name: &str) -> Result<DocumentKind, NotAccepted> {
    let found = kind_from_bytes(path)?;
    let extension = extension_of(file_name);
    let found = match found {
        DocumentKind::PlainText if extension == "csv" => DocumentKind::Csv,
        other => other,
    };
    if found.extensions().contains(&extension.as_str()) {
        Ok(found)
    } else {
        Err(NotAccepted::NameDisagrees { found, extension })
    }
}

fn extension_of(file_name: &str) -> String {
    Path::new(file_name)
        .extension()
        .and_then(|extension| extension.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn kind_from_bytes(path: &Path) -> Result<DocumentKind, NotAccepted> {
    let mut file = File::open(path)?;
    if file.metadata()?.len() == 0 {
        return Err(NotAccepted::Empty);
    }
    let mut head = Vec::new();
    file.by_ref().take(HEAD).read_to_end(&mut head)?;
    if head.starts_with(&COMPOUND_FILE_MAGIC) {
        return Err(compound_file(File::open(path)?));
    }
    let detected = infer::get(&head);
    let mime = detected.map(|found| found.mime_type());
    match (detected.map(|found| found.matcher_type()), mime) {
        (_, Some(mime)) if PROGRAMS.contains(&mime) => Err(NotAccepted::Program {
            detected: describe(detected),
        }),
        (_, Some("application/pdf")) => Ok(DocumentKind::Pdf),
        (_, Some("image/png")) => Ok(DocumentKind::Png),
        (_, Some("image/jpeg")) => Ok(DocumentKind::Jpeg),
        _ if infer::archive::is_zip(&head) => package::kind(File::open(path)?),
        (Some(infer::MatcherType::Archive), _) => Err(NotAccepted::Archive {
            detected: describe(detected),
        }),
        (Some(_), _) => Err(NotAccepted::OtherType {
            detected: describe(detected),
        }),
        (None, _) if is_text(File::open(path)?)? => Ok(DocumentKind::PlainText),
        (None, _) => Err(NotAccepted::Unrecognised),
    }
}

/// The start of a Compound File: Office 97–2003 documents, Windows installers, Outlook messages.
const COMPOUND_FILE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// A Compound File is never accepted; its root's class id says what it is. (infer reads the
/// class id too, but only from a buffer holding the whole file; cfb reads the file as needed.)
fn compound_file(file: File) -> NotAccepted {
    let class_id = cfb::CompoundFile::open(file).map(|file| file.root_entry().clsid().to_string());
    let other = |detected: &str| NotAccepted::OtherType {
        detected: detected.into(),
    };
    match class_id.as_deref() {
        Ok("00020906-0000-0000-c000-000000000046") => other("a Word 97–2003 document (.doc)"),
        Ok("00020810-0000-0000-c000-000000000046" | "00020820-0000-0000-c000-000000000046") => {
            other("an Excel 97–2003 spreadsheet (.xls)")
        }
        Ok("64818d10-4f9b-11cf-86ea-00aa00b929e8") => {
            other("a PowerPoint 97–2003 presentation (.ppt)")
        }
        Ok("00020d0b-0000-0000-c000-000000000046") => other("an Outlook message (.msg)"),
        Ok("000c1084-0000-0000-c000-000000000046") => NotAccepted::Program {
            detected: "a Windows installer".into(),
        },
        _ => other("an older Microsoft Office file"),
    }
}

/// The media types infer reports for code that runs.
const PROGRAMS: &[&str] = &[
    "application/vnd.microsoft.portable-executable",
    "application/x-executable",
    "application/x-mach-binary",
    "application/java",
    "application/wasm",
    "application/x-llvm",
    "application/vnd.android.dex",
    "application/vnd.android.dey",
    "application/x-google-chrome-extension",
    "application/vnd.debian.binary-package",
    "application/x-rpm",
];

/// What a person would call a type infer recognised, with its article.
fn describe(detected: Option<infer::Type>) -> String {
    let Some(detected) = detected else {
        return "a file of a type we do not recognise".into();
    };
    let phrase = match detected.mime_type() {
        "application/vnd.microsoft.portable-executable" => "a Windows program",
        "application/x-executable" => "a Linux program",
        "application/x-mach-binary" => "a macOS program",
        "application/java" => "a Java program",
        "application/wasm" => "a WebAssembly program",
        "application/vnd.android.dex" | "application/vnd.android.dey" => "an Android app",
        "application/x-google-chrome-extension" => "a browser extension",
        "application/vnd.debian.binary-package" | "application/x-rpm" => "a Linux software package",
        "application/x-qemu-disk" => "a disk image",
        "application/vnd.sqlite3" => "a database file",
        "application/postscript" => "a PostScript file",
        "application/x-x509-ca-cert" => "a security certificate",
        "application/rtf" => "a Rich Text Format document",
        "application/zip" => "a zip archive",
        "application/vnd.rar" => "a RAR archive",
        "application/x-7z-compressed" => "a 7-Zip archive",
        "application/gzip" => "a gzip archive",
        "application/x-tar" => "a tar archive",
        "application/vnd.ms-cab-compressed" => "a Windows cabinet archive",
        "application/x-bzip2"
        | "application/x-xz"
        | "application/zstd"
        | "application/x-lzip"
        | "application/x-lz4"
        | "application/vnd.bzip3"
        | "application/x-compress" => "a compressed file",
        "image/gif" => "a GIF image",
        "image/webp" => "a WebP image",
        "image/heif" | "image/avif" => "a HEIC or AVIF photo",
        "image/vnd.adobe.photoshop" => "a Photoshop image",
        "image/bmp" => "a BMP image",
        "image/tiff" => "a TIFF image",
        "text/html" => "a web page",
        "text/xml" => "an XML file",
        "text/x-shellscript" => "a shell script",
        _ => match detected.matcher_type() {
            infer::MatcherType::Video => "a video",
            infer::MatcherType::Audio => "a sound recording",
            infer::MatcherType::Font => "a font",
            infer::MatcherType::Image => "an image in a format we do not accept",
            infer::MatcherType::App => "a program",
            _ => return format!("a file of type {}", detected.mime_type()),
        },
    };
    phrase.into()
}

/// Text: valid UTF-8 (ASCII included) throughout, with no control characters but tab, line
/// feed, carriage return and form feed. Read in blocks so a large file is not held in memory.
fn is_text(mut file: File) -> io::Result<bool> {
    let mut block = vec![0; 64 * 1024];
    // Bytes of a character split across the end of the last block (at most 3).
    let mut carried = 0;
    loop {
        let read = file.read(&mut block[carried..])?;
        if read == 0 {
            return Ok(carried == 0);
        }
        let filled = carried + read;
        if block[..filled].iter().any(|&byte| {
            byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r' | 0x0c) || byte == 0x7f
        }) {
            return Ok(false);
        }
        carried = match std::str::from_utf8(&block[..filled]) {
            Ok(_) => 0,
            // A character cut off by the end of the block: keep its start for the next read.
            Err(error) if error.error_len().is_none() => filled - error.valid_up_to(),
            Err(_) => return Ok(false),
        };
        block.copy_within(filled - carried..filled, 0);
    }
}

#[cfg(test)]
mod tests;

//! The kinds of document accepted as evidence.

rules::stored_enum! {
    /// A kind of document accepted as evidence, as its bytes show it to be (see [`crate::identify`]).
    pub enum DocumentKind {
        Pdf = ("pdf", "PDF"),
        Word = ("word", "Word document"),
        Excel = ("excel", "Excel spreadsheet"),
        PowerPoint = ("powerpoint", "PowerPoint presentation"),
        OdfText = ("odf-text", "OpenDocument text"),
        OdfSpreadsheet = ("odf-spreadsheet", "OpenDocument spreadsheet"),
        OdfPresentation = ("odf-presentation", "OpenDocument presentation"),
        Csv = ("csv", "CSV file"),
        PlainText = ("text", "text file"),
        Png = ("png", "PNG image"),
        Jpeg = ("jpeg", "JPEG image"),
    }
}

impl DocumentKind {
    /// The media type the file is served as. Text is served as UTF-8 because
    /// [`crate::identify`] accepts text only when it is valid UTF-8.
    pub fn content_type(self) -> &'static str {
        match self {
            DocumentKind::Pdf => "application/pdf",
            DocumentKind::Word => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            DocumentKind::Excel => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            DocumentKind::PowerPoint => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            DocumentKind::OdfText => "application/vnd.oasis.opendocument.text",
            DocumentKind::OdfSpreadsheet => "application/vnd.oasis.opendocument.spreadsheet",
            DocumentKind::OdfPresentation => "application/vnd.oasis.opendocument.presentation",
            DocumentKind::Csv => "text/csv; charset=utf-8",
            DocumentKind::PlainText => "text/plain; charset=utf-8",
            DocumentKind::Png => "image/png",
            DocumentKind::Jpeg => "image/jpeg",
        }
    }

    /// Whether a browser may show the file itself (under the download's sandboxing CSP) rather
    /// than only save it.
    pub fn previewable(self) -> bool {
        matches!(
            self,
            DocumentKind::Pdf | DocumentKind::Png | DocumentKind::Jpeg
        )
    }

    /// The file-name extensions (lowercase, without the dot) a file of this kind may have; the
    /// first is the usual one, to suggest in a refusal.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            DocumentKind::Pdf => &["pdf"],
            DocumentKind::Word => &["docx"],
            DocumentKind::Excel => &["xlsx"],
            DocumentKind::PowerPoint => &["pptx"],
            DocumentKind::OdfText => &["odt"],
            DocumentKind::OdfSpreadsheet => &["ods"],
            DocumentKind::OdfPresentation => &["odp"],
            DocumentKind::Csv => &["csv"],
            DocumentKind::PlainText => &["txt", "text", "md", "log"],
            DocumentKind::Png => &["png"],
            DocumentKind::Jpeg => &["jpg", "jpeg"],
        }
    }

    /// The accepted kind a file-name extension belongs to, if any (case-insensitive).
    pub fn named_by(extension: &str) -> Option<DocumentKind> {
        let extension = extension.to_ascii_lowercase();
        DocumentKind::ALL
            .into_iter()
            .find(|kind| kind.extensions().contains(&extension.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_are_the_stored_ones() {
        let keys: Vec<_> = DocumentKind::ALL.iter().map(|kind| kind.key()).collect();
        assert_eq!(
            keys,
            [
                "pdf",
                "word",
                "excel",
                "powerpoint",
                "odf-text",
                "odf-spreadsheet",
                "odf-presentation",
                "csv",
                "text",
                "png",
                "jpeg"
            ]
        );
        for kind in DocumentKind::ALL {
            assert_eq!(DocumentKind::from_key(kind.key()), Some(kind));
        }
    }

    #[test]
    fn only_pdf_and_images_are_previewed() {
        let previewed: Vec<_> = DocumentKind::ALL
            .into_iter()
            .filter(|kind| kind.previewable())
            .collect();
        assert_eq!(
            previewed,
            [DocumentKind::Pdf, DocumentKind::Png, DocumentKind::Jpeg]
        );
    }

    #[test]
    fn every_extension_names_exactly_its_own_kind() {
        for kind in DocumentKind::ALL {
            for extension in kind.extensions() {
                assert_eq!(DocumentKind::named_by(extension), Some(kind));
                assert_eq!(
                    DocumentKind::named_by(&extension.to_ascii_uppercase()),
                    Some(kind)
                );
            }
        }
        assert_eq!(DocumentKind::named_by("exe"), None);
        assert_eq!(DocumentKind::named_by("doc"), None);
    }
}

//! Emails about evidence documents: a file that failed the virus check.

use super::{letter, para, Block};
use crate::store::outbox::OutgoingMail;

/// To the person who uploaded a file, and to each administrator, when the virus scanner finds
/// something in it: it is quarantined and never served.
pub struct FailedVirusCheck<'a> {
    pub to: &'a str,
    pub name: &'a str,
    /// The file's name as uploaded.
    pub file_name: &'a str,
    /// Who uploaded it, by name and email; None when writing to them.
    pub uploaded_by: Option<(&'a str, &'a str)>,
    /// What the scanner found.
    pub signature: &'a str,
    /// Its SHA-256, which finds it in the evidence store and the audit trail.
    pub sha256: &'a str,
}

impl FailedVirusCheck<'_> {
    pub fn mail(&self) -> OutgoingMail {
        let FailedVirusCheck {
            to,
            name,
            file_name,
            uploaded_by,
            signature,
            sha256,
        } = self;
        let blocks = match uploaded_by {
            None => vec![
                para(format!("The file you attached, {file_name}, failed the virus check. It is kept apart and nobody can open it: your assessment lists it as \"Failed the virus check\", and you can remove it there.")),
                para("The scanner found:"),
                Block::Inset(signature.to_string()),
                para("Check the computer the file came from with your IT or cyber security team, then attach a clean copy. NHS England's administrators have been told."),
            ],
            Some((uploader, uploader_email)) => vec![
                para(format!("A file attached as evidence failed the virus check and has been quarantined: it is never served to anyone. It was uploaded by {uploader} ({uploader_email}), who has been told.")),
                para(format!("File: {file_name}\nSHA-256: {sha256}")),
                para("The scanner found:"),
                Block::Inset(signature.to_string()),
            ],
        };
        letter(
            to,
            format!("A file failed the virus check: {file_name}"),
            name,
            blocks,
        )
    }
}

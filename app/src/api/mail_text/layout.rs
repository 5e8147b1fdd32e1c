//! The HTML alternative of every email: the NHS-style page the blocks are set in.

use super::{Block, SIGN_OFF};
use crate::store::outbox::escape_html;

const FONT: &str = "font-family:Frutiger,Arial,Helvetica,sans-serif;";
const BODY_TEXT: &str = "margin:0 0 24px 0;font-size:19px;line-height:28px;color:#212b32;";
pub(super) const LINK: &str = "color:#005eb8;text-decoration:underline;word-break:break-all;";

/// The NHS-style page: a blue header bar, the blocks in 19px text on white, the sign-off below.
/// One layout table and inline styles, as email programs need; nothing is fetched from the web.
pub(super) fn html(subject: &str, blocks: &[Block]) -> String {
    let content: String = blocks.iter().map(html_block).collect();
    let sign_off: String = SIGN_OFF
        .split("\n\n")
        .map(|text| format!("<p style=\"margin:0 0 16px 0;\">{}</p>\n", html_text(text)))
        .collect();
    format!(
        "<!DOCTYPE html>\n\
         <html lang=\"en-GB\">\n\
         <head>\n\
         <meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n\
         </head>\n\
         <body style=\"margin:0;padding:0;background-color:#f0f4f5;{FONT}\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
         style=\"width:100%;max-width:640px;margin:0 auto;border-collapse:collapse;{FONT}\">\n\
         <tr><td style=\"background-color:#005eb8;padding:16px 24px;{FONT}\">\
         <span style=\"display:inline-block;padding:2px 6px;background-color:#ffffff;color:#005eb8;\
         font-size:24px;line-height:28px;font-weight:bold;font-style:italic;{FONT}\">NHS</span>\
         <span style=\"padding-left:12px;color:#ffffff;font-size:19px;line-height:28px;font-weight:bold;{FONT}\">\
         Digital maturity assessment</span></td></tr>\n\
         <tr><td style=\"background-color:#ffffff;padding:32px 24px 8px 24px;color:#212b32;{FONT}\">\n\
         {content}\
         </td></tr>\n\
         <tr><td style=\"padding:24px 24px 8px 24px;font-size:16px;line-height:24px;color:#4c6272;{FONT}\">\n\
         {sign_off}\
         </td></tr>\n\
         </table>\n\
         </body>\n\
         </html>\n",
        title = escape_html(subject),
    )
}

fn html_block(block: &Block) -> String {
    match block {
        Block::Para(text) => format!("<p style=\"{BODY_TEXT}\">{}</p>\n", html_text(text)),
        Block::Inset(text) => format!(
            "<p style=\"{BODY_TEXT}padding:0 0 0 16px;border-left:8px solid #005eb8;\">{}</p>\n",
            html_text(text)
        ),
        Block::Link(address) => {
            let address = escape_html(address);
            format!("<p style=\"{BODY_TEXT}\"><a href=\"{address}\" style=\"{LINK}\">{address}</a></p>\n")
        }
        Block::List(items) => {
            let items: String = items
                .iter()
                .map(|item| {
                    format!(
                        "<li style=\"margin:0 0 8px 0;\">{}</li>\n",
                        escape_html(item)
                    )
                })
                .collect();
            format!("<ul style=\"{BODY_TEXT}padding:0 0 0 24px;\">\n{items}</ul>\n")
        }
    }
}

/// Escaped for HTML, with its line breaks kept.
fn html_text(text: &str) -> String {
    escape_html(text).replace('\n', "<br>\n")
}

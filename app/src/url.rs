//! Building links.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// What a query value may keep as it is: RFC 3986's unreserved characters.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Encodes text for a URL query value: everything but unreserved characters becomes %XX.
pub fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::percent_encode;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(percent_encode("King's & co"), "King%27s%20%26%20co");
        assert_eq!(percent_encode("RR8"), "RR8");
        assert_eq!(percent_encode("Hôpital"), "H%C3%B4pital");
    }
}

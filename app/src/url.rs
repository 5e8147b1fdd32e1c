//! Building links.

/// Encodes text for a URL query value: everything but unreserved characters becomes %XX.
pub fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::percent_encode;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(percent_encode("King's & co"), "King%27s%20%26%20co");
        assert_eq!(percent_encode("RR8"), "RR8");
    }
}

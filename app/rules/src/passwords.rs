//! The password policy for new passwords (server only: its word lists are large).

/// Fewest characters a password may have.
pub const MIN_LENGTH: usize = 12;
/// Most characters: argon2 copes with more, but nobody types more and it bounds the work.
pub const MAX_LENGTH: usize = 256;

/// Words anyone guessing a password for this service would try first (ASVS 6.2.11).
const SERVICE_WORDS: &[&str] = &[
    "nhs",
    "nhsengland",
    "england",
    "digital",
    "maturity",
    "assessment",
    "dma",
    "whatgoodlookslike",
    "trust",
    "hospital",
    "icb",
    "peer",
    "review",
];

/// Checks a new password: long enough, and not one of the common or easily guessed passwords
/// (zxcvbn's lists of leaked passwords, words and names, the service's own words and the
/// person's own details).
pub fn check_new_password(password: &str, personal_words: &[&str]) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(format!(
            "Your password must be at least {MIN_LENGTH} characters long"
        ));
    }
    if length > MAX_LENGTH {
        return Err(format!(
            "Your password must be {MAX_LENGTH} characters or fewer"
        ));
    }
    let words: Vec<&str> = personal_words
        .iter()
        .chain(SERVICE_WORDS)
        .copied()
        .collect();
    let estimate = zxcvbn::zxcvbn(password, &words);
    if estimate.score() < zxcvbn::Score::Three {
        let hint = estimate
            .feedback()
            .and_then(|feedback| feedback.warning())
            .map(|warning| format!(" ({warning})"))
            .unwrap_or_default();
        return Err(format!(
            "Your password is too easy to guess{hint}. Try 3 or 4 random words together, like \"coffee lantern meadow bicycle\""
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_new_password("Xq7#pLm2", &[])
            .unwrap_err()
            .contains("at least 12"));
    }

    #[test]
    fn common_passwords_are_refused_even_when_long_enough() {
        for common in [
            "password1234",
            "123456789012",
            "qwertyuiopas",
            "Password1234",
        ] {
            assert!(check_new_password(common, &[]).is_err(), "{common}");
        }
    }

    #[test]
    fn the_persons_own_details_make_a_password_guessable() {
        assert!(check_new_password("jobloggs2026", &["jobloggs", "jo.bloggs@nhs.net"]).is_err());
    }

    #[test]
    fn the_services_own_words_make_a_password_guessable() {
        for guess in [
            "whatgoodlookslike",
            "WhatGoodLooksLike",
            "nhsenglanddigital",
        ] {
            assert!(
                zxcvbn::zxcvbn(guess, &[]).score() >= zxcvbn::Score::Three,
                "{guess}: zxcvbn's own lists let it through"
            );
            assert!(check_new_password(guess, &[]).is_err(), "{guess}");
        }
    }

    #[test]
    fn random_words_are_accepted() {
        assert!(check_new_password("coffee lantern meadow bicycle", &[]).is_ok());
    }
}

//! Signing in: throttling failures (per account, to stop password guessing against one person,
//! and per client address, to stop one machine trying many accounts), and where a person may be
//! sent on to afterwards.

/// How far back failures count, in minutes.
pub const WINDOW_MINUTES: i64 = 15;
/// Failures for one email address within the window before sign-in is refused.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failures from one client address within the window before sign-in is refused.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

/// Whether another attempt may be checked, given the failures counted within the window.
pub fn attempt_allowed(failures_for_account: i64, failures_for_address: i64) -> Result<(), String> {
    if failures_for_account >= MAX_FAILURES_PER_ACCOUNT
        || failures_for_address >= MAX_FAILURES_PER_ADDRESS
    {
        Err(format!(
            "There have been too many attempts to sign in. Wait {WINDOW_MINUTES} minutes and try again, or reset your password."
        ))
    } else {
        Ok(())
    }
}

/// What a client's attempts are counted under, given its address. Someone on IPv6 is usually
/// given a whole /64 network and may use any of its 2^64 addresses, so the /64 counts as one
/// client; an IPv4 address counts as itself, written as IPv4 also when it comes IPv6-mapped
/// (`::ffff:192.0.2.1`). Anything else ("unknown") is kept as it is.
pub fn throttle_source(client_address: &str) -> String {
    use std::net::{IpAddr, Ipv6Addr};
    match client_address.parse::<IpAddr>() {
        Ok(IpAddr::V4(address)) => address.to_string(),
        Ok(IpAddr::V6(address)) => match address.to_ipv4_mapped() {
            Some(address) => address.to_string(),
            None => {
                let network = u128::from(address) & !u128::from(u64::MAX);
                format!("{}/64", Ipv6Addr::from(network))
            }
        },
        Err(_) => client_address.to_string(),
    }
}

/// Password reset requests for one email address within the window before more are refused.
pub const MAX_RESETS_PER_ACCOUNT: i64 = 3;
/// Password reset requests from one client address within the window before more are refused.
pub const MAX_RESETS_PER_ADDRESS: i64 = 10;

/// Whether another password reset may be sent, given the requests counted within the window.
pub fn reset_allowed(for_account: i64, for_address: i64) -> Result<(), String> {
    if for_account >= MAX_RESETS_PER_ACCOUNT || for_address >= MAX_RESETS_PER_ADDRESS {
        Err(format!(
            "There have been too many requests for a password reset link. Wait {WINDOW_MINUTES} minutes and try again, and check your email for a link we have already sent."
        ))
    } else {
        Ok(())
    }
}

/// Where sign-in may send a person on to: a path of this service, or their dashboard. Refused: other
/// sites ("//host", "https://…"), backslashes (which browsers read as slashes), and any control
/// character or space, which browsers strip or reject ("/\t/evil.example" is "//evil.example" to a
/// browser; CR or LF would break the redirect header).
pub fn safe_return_path(next: Option<&str>) -> String {
    const FALLBACK: &str = "/dashboard";
    let Some(path) = next else {
        return FALLBACK.to_string();
    };
    let mut characters = path.chars();
    let starts_as_a_path =
        characters.next() == Some('/') && !matches!(characters.next(), Some('/') | Some('\\'));
    let harmless = path
        .chars()
        .all(|character| character.is_ascii_graphic() && character != '\\');
    if starts_as_a_path && harmless && path.len() <= 2000 {
        path.to_string()
    } else {
        FALLBACK.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sign_in_only_returns_to_paths_on_this_site() {
        assert_eq!(
            safe_return_path(Some("/admin/people?x=1")),
            "/admin/people?x=1"
        );
        assert_eq!(safe_return_path(Some("/")), "/");
        for refused in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/account\r\nSet-Cookie: x=1",
            "/ /evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_return_path(Some(refused)), "/dashboard", "{refused:?}");
        }
        assert_eq!(safe_return_path(None), "/dashboard");
    }

    proptest! {
        /// Whatever is asked for, the answer is a path a browser reads as this site's.
        #[test]
        fn the_return_path_is_always_on_this_site(next in "\\PC{0,30}") {
            let path = safe_return_path(Some(&next));
            prop_assert!(path.starts_with('/'));
            prop_assert!(!path[1..].starts_with(['/', '\\']));
            prop_assert!(path.chars().all(|c| c.is_ascii_graphic()));
        }
    }

    #[test]
    fn an_ipv6_client_is_throttled_by_its_64_network_and_ipv4_by_its_address() {
        for (address, source) in [
            ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
            ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
            ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
            ("::1", "::/64"),
            ("192.0.2.7", "192.0.2.7"),
            ("::ffff:192.0.2.7", "192.0.2.7"),
            ("unknown", "unknown"),
        ] {
            assert_eq!(throttle_source(address), source, "{address}");
        }
    }

    proptest! {
        /// Every address of a /64 is one source, and no two /64 networks share one.
        #[test]
        fn a_64_network_is_one_source(network in any::<u64>(), a in any::<u64>(), b in any::<u64>(), other in any::<u64>()) {
            let address = |interface: u64| {
                let bits = (u128::from(network) << 64) | u128::from(interface);
                std::net::Ipv6Addr::from(bits).to_string()
            };
            prop_assume!(network != 0, "the zero network holds the IPv4-mapped addresses");
            prop_assert_eq!(throttle_source(&address(a)), throttle_source(&address(b)));
            let elsewhere = std::net::Ipv6Addr::from((u128::from(other) << 64) | u128::from(a)).to_string();
            prop_assert_eq!(throttle_source(&address(a)) == throttle_source(&elsewhere), network == other);
        }
    }

    #[test]
    fn a_reset_is_refused_from_the_limit_on() {
        assert!(reset_allowed(MAX_RESETS_PER_ACCOUNT - 1, MAX_RESETS_PER_ADDRESS - 1).is_ok());
        assert!(reset_allowed(MAX_RESETS_PER_ACCOUNT, 0).is_err());
        assert!(reset_allowed(0, MAX_RESETS_PER_ADDRESS).is_err());
    }

    #[test]
    fn the_limits_are_inclusive_of_the_last_allowed_attempt() {
        assert!(attempt_allowed(MAX_FAILURES_PER_ACCOUNT - 1, 0).is_ok());
        assert!(attempt_allowed(MAX_FAILURES_PER_ACCOUNT, 0).is_err());
        assert!(attempt_allowed(0, MAX_FAILURES_PER_ADDRESS - 1).is_ok());
        assert!(attempt_allowed(0, MAX_FAILURES_PER_ADDRESS).is_err());
    }

    proptest! {
        #[test]
        fn more_failures_never_turn_a_refusal_into_an_allowance(account in 0i64..50, address in 0i64..50, extra in 0i64..10) {
            if attempt_allowed(account, address).is_err() {
                prop_assert!(attempt_allowed(account + extra, address).is_err());
                prop_assert!(attempt_allowed(account, address + extra).is_err());
            }
        }
    }
}

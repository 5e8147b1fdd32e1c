//! Configuration from environment variables, each with a default that is safe for one person
//! running the service on their own machine.

use anyhow::Context;
use leptos::config::LeptosOptions;
use std::path::PathBuf;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/dma.db";

#[derive(Clone, Debug)]
pub struct Config {
    /// DATABASE_URL: `sqlite://path/to/file.db` (created if missing) or `postgres://…`.
    pub database_url: String,
    /// LEPTOS_SITE_ADDR, LEPTOS_SITE_ROOT and the other LEPTOS_* variables cargo-leptos sets.
    pub leptos_options: LeptosOptions,
    /// PUBLIC_URL: where people reach the service, for links in emails.
    pub public_url: String,
    /// Served over HTTPS: the session cookie is Secure and __Host-, and Strict-Transport-Security
    /// is sent. On whenever PUBLIC_URL is https, unless COOKIE_SECURE=0 says otherwise.
    pub cookie_secure: bool,
    /// TRUST_PROXY=1 behind a load balancer that sets X-Forwarded-For (see app::state::AppState).
    pub trust_proxy: bool,
    /// FONT_ORIGIN: the origin the CSP lets web fonts load from besides this site; NHS.UK's
    /// asset host (where the NHS.UK stylesheet finds Frutiger) when unset, none when empty.
    pub font_origin: Option<String>,
    pub mail: MailConfig,
    /// Evidence files: where they are kept, the virus scanner, the limits.
    pub evidence: crate::evidence::EvidenceConfig,
    /// DEMO=1: create one demo account per role and print their passwords (never in production).
    pub demo: bool,
}

#[derive(Clone, Debug)]
pub struct MailConfig {
    /// MAIL_FROM: the sender, e.g. `Digital maturity assessment <dma@england.nhs.uk>`.
    pub from: String,
    pub transport: MailTransportConfig,
}

#[derive(Clone, Debug)]
pub enum MailTransportConfig {
    /// SMTP_HOST (and SMTP_PORT, SMTP_STARTTLS, SMTP_USERNAME, SMTP_PASSWORD).
    Smtp {
        host: String,
        port: u16,
        starttls: bool,
        credentials: Option<(String, String)>,
    },
    /// With no SMTP_HOST: each message is written as an .eml file into MAIL_DIR (data/mail).
    Files { folder: PathBuf },
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

/// A whole number setting, or `default` when it is not set.
fn number(name: &str, default: u64) -> anyhow::Result<u64> {
    var(name).map_or(Ok(default), |value| {
        value
            .parse()
            .with_context(|| format!("{name} must be a whole number, not {value:?}"))
    })
}

/// The evidence settings: EVIDENCE_STORE_URL (default `data/evidence`), CLAMD_ADDRESS (none: no
/// scanning), EVIDENCE_MAX_FILE_MB (20), EVIDENCE_MAX_ASSESSMENT_MB (200),
/// EVIDENCE_MAX_FILES_PER_DOMAIN (50), EVIDENCE_UPLOAD_DIR (the system's temporary folder).
fn evidence_config() -> anyhow::Result<crate::evidence::EvidenceConfig> {
    use app::rules::evidence::{Limits, MEGABYTE};
    let defaults = Limits::default();
    Ok(crate::evidence::EvidenceConfig {
        store_url: var("EVIDENCE_STORE_URL")
            .unwrap_or_else(|| documents::DEFAULT_LOCATION.to_string()),
        clamd_address: var("CLAMD_ADDRESS"),
        limits: Limits {
            max_file_bytes: number("EVIDENCE_MAX_FILE_MB", defaults.max_file_bytes / MEGABYTE)?
                * MEGABYTE,
            max_assessment_bytes: number(
                "EVIDENCE_MAX_ASSESSMENT_MB",
                defaults.max_assessment_bytes / MEGABYTE,
            )? * MEGABYTE,
            max_files_per_domain: number(
                "EVIDENCE_MAX_FILES_PER_DOMAIN",
                defaults.max_files_per_domain,
            )?,
        },
        temp_dir: var("EVIDENCE_UPLOAD_DIR").map_or_else(std::env::temp_dir, PathBuf::from),
    })
}

fn flag(name: &str) -> anyhow::Result<bool> {
    Ok(optional_flag(name)?.unwrap_or(false))
}

/// A 1/0 setting, or None when it is not set.
fn optional_flag(name: &str) -> anyhow::Result<Option<bool>> {
    match var(name).as_deref() {
        None => Ok(None),
        Some("0") | Some("false") | Some("no") => Ok(Some(false)),
        Some("1") | Some("true") | Some("yes") => Ok(Some(true)),
        Some(other) => anyhow::bail!("{name} must be 1 or 0, not {other:?}"),
    }
}

/// Whether the service is reached over HTTPS, so its cookie must be Secure: yes when the public
/// address is https, without another setting; `COOKIE_SECURE` overrides it either way.
pub fn served_over_https(public_url: &str, cookie_secure: Option<bool>) -> bool {
    cookie_secure.unwrap_or_else(|| public_url.starts_with("https://"))
}

/// The FONT_ORIGIN setting: unset gives NHS.UK's asset host, empty gives none, and anything else
/// must be one origin (`https://host` or `https://host:port`), since it goes into the CSP.
pub fn font_origin(value: Option<&str>) -> anyhow::Result<Option<String>> {
    let Some(value) = value else {
        return Ok(Some(crate::http::DEFAULT_FONT_ORIGIN.to_string()));
    };
    let value = value.trim().trim_end_matches('/');
    if value.is_empty() {
        return Ok(None);
    }
    let host = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .unwrap_or("");
    let (name, port) = host.split_once(':').unwrap_or((host, "0"));
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    anyhow::ensure!(
        name_ok && port.parse::<u16>().is_ok(),
        "FONT_ORIGIN must be an origin such as https://assets.nhs.uk (or empty for none), not {value:?}"
    );
    Ok(Some(value.to_string()))
}

/// DEMO=1 opens a cycle for every trust, emails every lead, publishes made-up results and prints
/// NHS England passwords: it is for one person's own machine. An https address or a real mail
/// server means a real deployment, so DEMO is refused there, saying why.
pub fn refuse_demo_in_a_deployment(
    demo: bool,
    public_url: &str,
    transport: &MailTransportConfig,
) -> anyhow::Result<()> {
    if !demo {
        return Ok(());
    }
    anyhow::ensure!(
        !public_url.starts_with("https://"),
        "DEMO=1 is refused because PUBLIC_URL ({public_url}) is https, which means a real deployment: \
         the demo emails every trust lead, publishes made-up results and prints passwords. \
         Unset DEMO, or run the demo on your own machine over http."
    );
    anyhow::ensure!(
        !matches!(transport, MailTransportConfig::Smtp { .. }),
        "DEMO=1 is refused because SMTP_HOST is set: the demo would email every real trust lead. \
         Unset DEMO, or unset SMTP_HOST so that mail is written to files."
    );
    Ok(())
}

impl Config {
    pub fn from_env() -> anyhow::Result<Config> {
        let leptos_options = leptos::config::get_configuration(None)
            .context("reading the LEPTOS_* settings")?
            .leptos_options;
        let public_url =
            var("PUBLIC_URL").unwrap_or_else(|| format!("http://{}", leptos_options.site_addr));
        let transport = match var("SMTP_HOST") {
            Some(host) => MailTransportConfig::Smtp {
                host,
                port: var("SMTP_PORT")
                    .map(|port| port.parse())
                    .transpose()
                    .context("SMTP_PORT must be a port number")?
                    .unwrap_or(587),
                starttls: var("SMTP_STARTTLS").is_none() || flag("SMTP_STARTTLS")?,
                credentials: var("SMTP_USERNAME").zip(var("SMTP_PASSWORD")),
            },
            None => MailTransportConfig::Files {
                folder: var("MAIL_DIR").unwrap_or_else(|| "data/mail".into()).into(),
            },
        };
        let demo = flag("DEMO")?;
        refuse_demo_in_a_deployment(demo, &public_url, &transport)?;
        Ok(Config {
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
            leptos_options,
            public_url: public_url.trim_end_matches('/').to_string(),
            cookie_secure: served_over_https(&public_url, optional_flag("COOKIE_SECURE")?),
            trust_proxy: flag("TRUST_PROXY")?,
            font_origin: font_origin(std::env::var("FONT_ORIGIN").ok().as_deref())?,
            mail: MailConfig {
                from: var("MAIL_FROM")
                    .unwrap_or_else(|| "Digital maturity assessment <noreply@dma.invalid>".into()),
                transport,
            },
            evidence: evidence_config()?,
            demo,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{font_origin, refuse_demo_in_a_deployment, served_over_https, MailTransportConfig};

    #[test]
    fn demo_mode_is_refused_where_the_service_is_real() {
        let files = MailTransportConfig::Files {
            folder: "data/mail".into(),
        };
        let smtp = MailTransportConfig::Smtp {
            host: "smtp.nhs.net".into(),
            port: 587,
            starttls: true,
            credentials: None,
        };
        assert!(refuse_demo_in_a_deployment(true, "http://127.0.0.1:3000", &files).is_ok());
        let https = refuse_demo_in_a_deployment(true, "https://dma.england.nhs.uk", &files)
            .unwrap_err()
            .to_string();
        assert!(
            https.contains("PUBLIC_URL") && https.contains("real deployment"),
            "{https}"
        );
        let mail = refuse_demo_in_a_deployment(true, "http://127.0.0.1:3000", &smtp)
            .unwrap_err()
            .to_string();
        assert!(mail.contains("SMTP_HOST"), "{mail}");
        assert!(refuse_demo_in_a_deployment(false, "https://dma.england.nhs.uk", &smtp).is_ok());
    }

    #[test]
    fn an_https_address_makes_the_cookie_secure_without_another_setting() {
        assert!(served_over_https("https://dma.england.nhs.uk", None));
        assert!(!served_over_https("http://127.0.0.1:3000", None));
        assert!(served_over_https("http://127.0.0.1:3000", Some(true)));
        assert!(!served_over_https("https://dma.test", Some(false)));
    }

    #[test]
    fn the_font_origin_defaults_to_nhs_uk_and_can_be_turned_off() {
        assert_eq!(
            font_origin(None).unwrap().as_deref(),
            Some("https://assets.nhs.uk")
        );
        assert_eq!(font_origin(Some("")).unwrap(), None);
        assert_eq!(font_origin(Some("  ")).unwrap(), None);
        assert_eq!(
            font_origin(Some("https://fonts.example.org/"))
                .unwrap()
                .as_deref(),
            Some("https://fonts.example.org")
        );
        assert_eq!(
            font_origin(Some("http://localhost:8080"))
                .unwrap()
                .as_deref(),
            Some("http://localhost:8080")
        );
    }

    #[test]
    fn a_font_origin_that_is_not_an_origin_is_refused() {
        for bad in [
            "assets.nhs.uk",
            "https://",
            "https://assets.nhs.uk/fonts",
            "https://a.example; script-src *",
            "https://a.example https://b.example",
            "https://a.example:http",
            "*",
        ] {
            assert!(font_origin(Some(bad)).is_err(), "{bad} is refused");
        }
    }
}

//! Commands run from the command line rather than the web.

use crate::config::Config;
use crate::org_import;
use anyhow::Context;
use app::store::organisations;
use std::path::PathBuf;

/// `server import-orgs FILE...`: all rows are checked before anything is stored.
pub async fn import_orgs(
    config: &Config,
    files: &[PathBuf],
    label: &str,
    as_of: Option<&str>,
) -> anyhow::Result<()> {
    let as_of = match as_of {
        Some(date) => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            time::Date::parse(date, &format)
                .with_context(|| format!("--as-of {date:?} is not a date written YYYY-MM-DD"))?
                .to_string()
        }
        None => time::OffsetDateTime::now_utc().date().to_string(),
    };
    let mut contents = Vec::new();
    for path in files {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        contents.push((path.display().to_string(), text));
    }
    let named: Vec<(&str, &str)> = contents
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_str()))
        .collect();
    let hierarchy = match org_import::parse_hierarchy(&named) {
        Ok(hierarchy) => hierarchy,
        Err(problems) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            anyhow::bail!("Nothing was imported: {} problem(s) found. Correct the files and run the command again.", problems.len());
        }
    };
    let db = crate::open_database(&config.database_url).await?;
    let snapshot =
        organisations::import_snapshot(&db, &hierarchy, label, &as_of, "command-line").await?;
    println!(
        "Imported {} regions, {} ICBs and {} trusts as \"{}\" (as at {}); it is now the current organisation structure.",
        hierarchy.regions.len(),
        hierarchy.icbs.len(),
        hierarchy.trusts.len(),
        snapshot.label,
        snapshot.as_of
    );
    Ok(())
}

/// `server create-admin EMAIL`: the first administrator. Invites them like anyone else: the
/// link to set a password is emailed, and printed here too, since mail may not be set up yet.
pub async fn create_admin(config: &Config, email: &str, name: &str) -> anyhow::Result<()> {
    use app::rules::accounts::{check_email, Role};
    use app::store::accounts::{invite, NewAccount};
    check_email(email).map_err(|message| anyhow::anyhow!("{message}"))?;
    let db = crate::open_database(&config.database_url).await?;
    let token = app::api::credentials::new_link_secret();
    let link = format!("{}/set-password?token={token}", config.public_url);
    let mail = app::api::mail_text::invitation(email, name, "The service administrator", &link, 7);
    let account = NewAccount {
        email: email.to_string(),
        display_name: name.to_string(),
        org_ods_code: None,
        roles: vec![Role::Admin],
    };
    invite(&db, "command-line", &account, &token, &mail).await?;
    println!("Created an administrator account for {email}. They set their password with this link (valid for 7 days, once):\n{link}");
    Ok(())
}

/// One demo account per role, for trying the service. Never created unless DEMO=1.
pub struct DemoAccount {
    pub email: &'static str,
    pub role: app::rules::accounts::Role,
    pub password: String,
}

/// Creates (or resets) the demo accounts with fresh random passwords.
pub async fn seed_demo_accounts(db: &app::store::Db) -> anyhow::Result<Vec<DemoAccount>> {
    use app::rules::accounts::Role;
    use app::store::accounts::{upsert_with_password, NewAccount};
    let people: [(&str, &str, Option<&str>, Role); 5] = [
        (
            "lead@demo.dma.invalid",
            "Demo Trust Lead",
            Some("RR8"),
            Role::TrustLead,
        ),
        (
            "reviewer@demo.dma.invalid",
            "Demo Peer Reviewer",
            Some("R0A"),
            Role::PeerReviewer,
        ),
        (
            "moderator@demo.dma.invalid",
            "Demo Moderator",
            None,
            Role::Moderator,
        ),
        (
            "approver@demo.dma.invalid",
            "Demo Approver",
            None,
            Role::Approver,
        ),
        (
            "admin@demo.dma.invalid",
            "Demo Administrator",
            None,
            Role::Admin,
        ),
    ];
    let mut accounts = Vec::new();
    for (email, name, org, role) in people {
        let password = app::api::credentials::new_link_secret()[..16].to_string();
        let hash = app::api::credentials::hash_password(password.clone())
            .await
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        let account = NewAccount {
            email: email.into(),
            display_name: name.into(),
            org_ods_code: org.map(Into::into),
            roles: vec![role],
        };
        upsert_with_password(db, "demo", &account, &hash).await?;
        accounts.push(DemoAccount {
            email,
            role,
            password,
        });
    }
    Ok(accounts)
}

pub fn print_demo_accounts(accounts: &[DemoAccount]) {
    println!("\nDEMO=1: demo accounts (passwords are new at every start; never use DEMO in a real deployment):");
    for account in accounts {
        println!(
            "  {:<15} {:<28} password: {}",
            account.role.label(),
            account.email,
            account.password
        );
    }
    println!();
}

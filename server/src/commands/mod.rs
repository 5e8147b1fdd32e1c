//! Commands run from the command line rather than the web.

use crate::config::Config;
use crate::{org_import, results_import};
use anyhow::Context;
use app::store::organisations;
use std::path::PathBuf;

mod demo;

pub use demo::{
    print_demo_accounts, seed_demo_accounts, seed_demo_cycle, seed_demo_review_cycle, DemoAccount,
};

/// The default framework shipped with the service, loaded into a new database.
pub const BUNDLED_FRAMEWORK: &str = include_str!("../../data/framework/dma-2026.toml");

/// Checks the audit trail's hash chain from the first record to the last and prints its head.
pub async fn verify_audit(config: &Config) -> anyhow::Result<()> {
    println!("{}", audit_verified(config).await?);
    Ok(())
}

/// What `verify-audit` prints once the whole chain checks: how many records and the head (the
/// last record's number and hash), to keep apart and compare with later.
async fn audit_verified(config: &Config) -> anyhow::Result<String> {
    use app::store::audit;
    let db = crate::open_database(&config.database_url).await?;
    if let Some(seq) = audit::verify_chain(&db.pool).await? {
        anyhow::bail!(
            "The audit trail is broken at record {seq}: that record, or the one before it, was changed or removed."
        );
    }
    Ok(match audit::head(&db.pool).await? {
        Some((seq, hash)) => format!(
            "The audit trail verifies: {seq} records, none changed or removed. Head: record {seq}, hash {hash}."
        ),
        None => "The audit trail is empty.".to_string(),
    })
}

/// `server load-framework FILE`: checks the whole file, reporting every problem by where it is,
/// and stores it as a new version only if it is entirely valid.
pub async fn load_framework(config: &Config, path: &std::path::Path) -> anyhow::Result<()> {
    use app::store::frameworks::{load, LoadOutcome};
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let framework = match app::rules::framework::parse_framework(&text) {
        Ok(framework) => framework,
        Err(problems) => {
            for problem in &problems {
                eprintln!("{}: {problem}", path.display());
            }
            anyhow::bail!("Nothing was loaded: {} problem(s) found. Correct the file and run the command again.", problems.len());
        }
    };
    let db = crate::open_database(&config.database_url).await?;
    match load(&db, "command-line", &framework, &text).await? {
        LoadOutcome::Loaded => println!(
            "Loaded framework version {} \"{}\": {} pillars, {} criteria.",
            framework.version,
            framework.title,
            framework.pillars.len(),
            framework.criterion_count()
        ),
        LoadOutcome::AlreadyLoaded => println!(
            "Framework version {} is already loaded, unchanged.",
            framework.version
        ),
    }
    Ok(())
}

/// `server import-orgs FILE...`: all rows are checked before anything is stored.
pub async fn import_orgs(
    config: &Config,
    files: &[PathBuf],
    label: &str,
    as_of: Option<&str>,
) -> anyhow::Result<()> {
    let as_of = match as_of {
        Some(date) => jiff::civil::Date::strptime("%Y-%m-%d", date)
            .with_context(|| format!("--as-of {date:?} is not a date written YYYY-MM-DD"))?
            .strftime("%Y-%m-%d")
            .to_string(),
        None => app::store::today(),
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

/// `server import-results FILE`: an earlier cycle's published scores as a closed historical
/// cycle, for year-on-year comparison. The cycle and every row are checked first; nothing is
/// stored unless all are right. `framework` defaults to the newest loaded version.
pub async fn import_results(
    config: &Config,
    path: &std::path::Path,
    cycle_name: &str,
    published_on: &str,
    framework: Option<&str>,
) -> anyhow::Result<()> {
    use app::rules::cycles::CycleDates;
    use app::rules::organisations::OrgKind;
    use app::store::cycles::NewCycle;
    use app::store::{cycles, frameworks, published};
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let db = crate::open_database(&config.database_url).await?;
    let version = match framework {
        Some(version) => version.to_string(),
        None => {
            frameworks::versions(&db)
                .await?
                .into_iter()
                .next()
                .context("No framework is loaded. Load one with load-framework first.")?
                .version
        }
    };
    let framework = frameworks::get(&db, &version).await?.with_context(|| {
        format!("There is no framework version {version}. Give a loaded version with --framework.")
    })?;
    let taken_names = cycles::list(&db)
        .await?
        .into_iter()
        .map(|cycle| cycle.name)
        .collect();
    let organisations = results_import::CurrentOrganisations {
        trust_codes: organisations::current_ods_codes(&db, OrgKind::Trust).await?,
        icb_codes: organisations::current_ods_codes(&db, OrgKind::Icb).await?,
    };
    let mut problems = results_import::check_cycle(cycle_name, published_on, &taken_names);
    let file = path.display().to_string();
    let assessments = match results_import::parse_results(&file, &text, &framework, &organisations)
    {
        Ok(assessments) => assessments,
        Err(mut found) => {
            problems.append(&mut found);
            Vec::new()
        }
    };
    if !problems.is_empty() {
        let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
        anyhow::bail!(
            "{}\nNothing was imported: {} problem(s) found. Correct them and run the command again.",
            listed.join("\n"),
            problems.len()
        );
    }
    let mut care_settings: Vec<_> = assessments.iter().map(|a| a.care_setting).collect();
    care_settings.sort();
    care_settings.dedup();
    // A historical cycle ran outside this service: only its publication date is known.
    let cycle = NewCycle {
        name: cycle_name.to_string(),
        framework_version: version,
        dates: CycleDates {
            opens_on: published_on.to_string(),
            submission_deadline: published_on.to_string(),
            review_deadline: published_on.to_string(),
            moderation_deadline: published_on.to_string(),
            publication_on: published_on.to_string(),
        },
        care_settings,
        region_ods_codes: Vec::new(),
        reviewers_per_assessment: 0,
        reviewer_capacity: 0,
    };
    let source = path
        .file_name()
        .map_or_else(|| file.clone(), |name| name.to_string_lossy().into_owned());
    let (_, imported) =
        published::import_historical_cycle(&db, "command-line", &cycle, &assessments, &source)
            .await?;
    println!("Imported {imported} published assessments into the historical cycle {cycle_name}.");
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
    let mail = app::store::outbox::MailWithSecret::new(link.clone(), |link| {
        app::api::mail_text::Invitation {
            to: email,
            name,
            inviter: "The service administrator",
            link,
            expires_in_days: 7,
        }
        .mail()
    });
    let account = NewAccount {
        email: email.to_string(),
        display_name: name.to_string(),
        org_ods_code: None,
        roles: vec![Role::Admin],
    };
    // The command line is the service's owner at the server: not rationed.
    invite(&db, "command-line", &account, &token, &mail, |_| Ok(())).await?;
    println!("Created an administrator account for {email}. They set their password with this link (valid for 7 days, once):\n{link}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{MailConfig, MailTransportConfig};
    use app::rules::accounts::Role;
    use app::rules::organisations::CareSetting;
    use app::store::{accounts, outbox, Db};
    use app::store::{AssessmentId, CycleId};

    pub(super) fn config(folder: &std::path::Path) -> Config {
        Config {
            database_url: format!("sqlite://{}", folder.join("dma.db").display()),
            leptos_options: leptos::config::LeptosOptions::builder()
                .output_name("dma")
                .build(),
            public_url: "https://dma.test".into(),
            cookie_secure: true,
            trust_proxy: false,
            font_origin: None,
            mail: MailConfig {
                from: "DMA <dma@test.invalid>".into(),
                transport: MailTransportConfig::Files {
                    folder: folder.join("mail"),
                },
            },
            evidence: crate::evidence::EvidenceConfig {
                store_url: folder.join("evidence").display().to_string(),
                clamd_address: None,
                limits: Default::default(),
                temp_dir: folder.join("uploads"),
            },
            demo: false,
        }
    }

    async fn snapshot_count(db: &Db) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM org_snapshots")
            .fetch_one(&db.pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn verify_audit_prints_the_head_of_the_trail() {
        let folder = tempfile::tempdir().unwrap();
        let config = config(folder.path());
        let db = crate::open_database(&config.database_url).await.unwrap();
        let (seq, hash): (i64, String) =
            sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
                .fetch_one(&db.pool)
                .await
                .unwrap();
        assert_eq!(hash.len(), 64, "a SHA-256 in hex: {hash}");
        let printed = audit_verified(&config).await.unwrap();
        assert_eq!(
            printed,
            format!("The audit trail verifies: {seq} records, none changed or removed. Head: record {seq}, hash {hash}.")
        );
    }

    #[tokio::test]
    async fn verify_audit_passes_an_intact_trail_and_names_the_first_broken_record() {
        let folder = tempfile::tempdir().unwrap();
        let config = config(folder.path());
        verify_audit(&config)
            .await
            .expect("a new database's trail verifies");
        let db = crate::open_database(&config.database_url).await.unwrap();
        sqlx::raw_sql(
            "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET reason = 'x' WHERE seq = 2",
        )
        .execute(&db.pool)
        .await
        .unwrap();
        let broken = verify_audit(&config).await.unwrap_err().to_string();
        assert!(broken.contains("broken at record 2"), "{broken}");
    }

    #[tokio::test]
    async fn load_framework_reports_problems_and_loads_only_a_valid_file() {
        let folder = tempfile::tempdir().unwrap();
        let config = config(folder.path());
        let bad = folder.path().join("bad.toml");
        std::fs::write(
            &bad,
            BUNDLED_FRAMEWORK
                .replace("version = \"2026.1\"", "version = \"2027.1\"")
                .replacen("weight = 1.0", "weight = -1.0", 1),
        )
        .unwrap();
        let refused = load_framework(&config, &bad).await.unwrap_err().to_string();
        assert!(
            refused.starts_with("Nothing was loaded: 1 problem(s)"),
            "{refused}"
        );
        let good = folder.path().join("good.toml");
        std::fs::write(
            &good,
            BUNDLED_FRAMEWORK.replace("version = \"2026.1\"", "version = \"2027.1\""),
        )
        .unwrap();
        load_framework(&config, &good).await.unwrap();
        let db = crate::open_database(&config.database_url).await.unwrap();
        let versions: Vec<String> = app::store::frameworks::versions(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|v| v.version)
            .collect();
        assert_eq!(
            versions.len(),
            2,
            "the bundled version and the new one: {versions:?}"
        );
        assert!(versions.contains(&"2027.1".to_string()));
    }

    #[tokio::test]
    async fn create_admin_invites_an_administrator_by_email() {
        let folder = tempfile::tempdir().unwrap();
        let config = config(folder.path());
        create_admin(&config, "owner@england.nhs.uk", "Sam Owner")
            .await
            .unwrap();
        let db = crate::open_database(&config.database_url).await.unwrap();
        let people = accounts::list(&db, None, Some(Role::Admin)).await.unwrap();
        assert_eq!(people.len(), 1);
        assert_eq!(
            (people[0].email.as_str(), people[0].has_password),
            ("owner@england.nhs.uk", false)
        );
        assert_eq!(
            outbox::unsent_count(&db.pool).await.unwrap(),
            1,
            "the invitation is queued to be emailed"
        );
        assert!(
            create_admin(&config, "Owner@England.nhs.uk", "Sam")
                .await
                .is_err(),
            "not twice"
        );
        assert!(create_admin(&config, "not an email", "Sam").await.is_err());
    }

    async fn count(db: &Db, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&db.pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn import_results_stores_a_good_file_and_nothing_of_a_bad_one() {
        use app::store::{assessments, cycles, published};
        let folder = tempfile::tempdir().unwrap();
        let config = config(folder.path());
        let header = "ods_code,care_setting,well-led,smart-foundations,safe-practice,\
            support-workforce,empower-people,improve-care,healthy-populations,digital-strategy\n";
        let good = folder.path().join("results-2025.csv");
        std::fs::write(
            &good,
            format!(
                "{header}RR8,Acute,3,2.5,2,2,1.5,3,2.67,3\n\
                 RY6,Mental Health,2,2,2,2,2,2,2,\n\
                 QWO,ICB,4,4,4,4,4,4,4,5\n"
            ),
        )
        .unwrap();
        let bad = folder.path().join("bad.csv");
        std::fs::write(
            &bad,
            format!(
                "{header}RR8,Acute,3,2.5,2,2,1.5,3,2.67,3\n\
                 R99,Acute,2,2,2,2,2,2,2,\n\
                 RY6,Community,2,2,2,2,2,2,7,\n"
            ),
        )
        .unwrap();

        let refused = import_results(&config, &bad, "DMA 2025/26", "2025-06-30", None)
            .await
            .unwrap_err()
            .to_string();
        let file = bad.display();
        assert_eq!(
            refused,
            format!(
                "{file}, line 3: ODS code R99 is not a trust in the current organisation structure\n\
                 {file}, line 4: the healthy-populations score is 7; scores go from 1 to 5\n\
                 Nothing was imported: 2 problem(s) found. Correct them and run the command again."
            )
        );
        let db = crate::open_database(&config.database_url).await.unwrap();
        for table in ["cycles", "assessments", "published_scores"] {
            assert_eq!(count(&db, table).await, 0, "nothing in {table}");
        }

        import_results(&config, &good, "DMA 2025/26", "2025-06-30", None)
            .await
            .unwrap();
        let cycle = &cycles::list(&db).await.unwrap()[0];
        assert_eq!(
            (cycle.name.as_str(), cycle.framework_version.as_str()),
            ("DMA 2025/26", "2026.1"),
            "the newest framework by default"
        );
        assert!(cycle.is_historical);
        assert_eq!(
            cycle.care_settings,
            [
                CareSetting::Acute,
                CareSetting::MentalHealth,
                CareSetting::Icb
            ]
        );
        let imported = assessments::for_cycle(&db, &CycleId::from(&cycle.id))
            .await
            .unwrap();
        assert_eq!(imported.len(), 3);
        let scores = published::published_scores(&db, &AssessmentId::from(&imported[1].id))
            .await
            .unwrap();
        assert_eq!(imported[1].trust_ods_code, "RR8");
        // The mean of 3, 2.5, 2, 2, 1.5, 3 and 2.67, all weighing 1: 2.381…
        assert_eq!(
            scores[0],
            (published::ScoreScope::Overall, String::new(), 2.38)
        );
        assert_eq!(scores.len(), 1 + 7 + 1);
        let records = app::store::audit::recent(&db.pool, 1).await.unwrap();
        assert_eq!(
            records[0].after.as_deref(),
            Some("DMA 2025/26: 3 assessments from results-2025.csv")
        );

        let again = import_results(&config, &good, "DMA 2025/26", "2025-06-30", None)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            again.starts_with("--cycle-name: there is already a cycle called \"DMA 2025/26\""),
            "{again}"
        );
        assert_eq!(count(&db, "assessments").await, 3);
    }

    #[tokio::test]
    async fn import_orgs_loads_a_good_set_and_nothing_of_a_bad_one() {
        let folder = tempfile::tempdir().unwrap();
        let config = config(folder.path());
        let write = |name: &str, text: &str| {
            let path = folder.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let regions = write("regions.csv", org_import::BUNDLED[0].1);
        let icbs = write("icbs.csv", org_import::BUNDLED[1].1);
        let trusts = write("trusts.csv", org_import::BUNDLED[2].1);
        let bad_trusts = write(
            "bad.csv",
            &org_import::BUNDLED[2].1.replace(",QWO,Y63,", ",QXX,Y63,"),
        );

        let refused = import_orgs(
            &config,
            &[regions.clone(), icbs.clone(), bad_trusts],
            "Bad",
            Some("2026-04-01"),
        )
        .await;
        assert!(refused
            .unwrap_err()
            .to_string()
            .starts_with("Nothing was imported"));
        let db = crate::open_database(&config.database_url).await.unwrap();
        assert_eq!(snapshot_count(&db).await, 1, "only the bundled snapshot");

        import_orgs(
            &config,
            &[trusts, icbs, regions],
            "After the mergers",
            Some("2026-04-01"),
        )
        .await
        .unwrap();
        assert_eq!(snapshot_count(&db).await, 2);
        let current = app::store::organisations::current_snapshot(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (current.label.as_str(), current.as_of.as_str()),
            ("After the mergers", "2026-04-01")
        );
    }
}

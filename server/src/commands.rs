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

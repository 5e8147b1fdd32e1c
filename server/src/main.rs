use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// The Digital Maturity Assessment service.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application (the default).
    Serve,
    /// Load an organisation hierarchy from CSV files (regions, ICBs and trusts, in any order) as a
    /// new dated snapshot. Every row is checked first; nothing is loaded if any row is wrong.
    ImportOrgs {
        /// The CSV files; each is recognised by its header row.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// What to call this snapshot.
        #[arg(long, default_value = "Organisation structure")]
        label: String,
        /// The date the hierarchy stood, YYYY-MM-DD; today if not given.
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Check the whole audit trail: every record unchanged, none removed. Prints the head (the
    /// last record's number and hash) to compare with a copy kept elsewhere; fails if the chain
    /// is broken.
    VerifyAudit,
    /// Load a version of the assessment framework from its TOML file. A loaded version never changes.
    LoadFramework { file: PathBuf },
    /// Import an earlier cycle's published scores from a CSV file as a closed historical cycle,
    /// so that later cycles can be compared with it. Every row is checked first; nothing is
    /// loaded if anything is wrong.
    ///
    /// The header row is ods_code,care_setting then one column per pillar key of the framework
    /// (e.g. well-led) and, optionally, per domain key (e.g. digital-strategy). Each row is one
    /// assessment: the trust's ODS code (the ICB's for care setting ICB), one of Acute,
    /// Community, Mental Health, Ambulance or ICB, and its scores. Every pillar that applies to
    /// the care setting needs a score from 1 to 5 with at most 2 decimal places (e.g. 2.67);
    /// domain scores are whole numbers from 1 to 5, and an empty domain cell means not known.
    /// The overall score is the weighted mean of the pillar scores.
    ImportResults {
        /// The CSV file of published results.
        file: PathBuf,
        /// What to call the historical cycle, e.g. "DMA 2025/26"; no other cycle may have it.
        #[arg(long)]
        cycle_name: String,
        /// The date the results were published, YYYY-MM-DD; it becomes every date of the cycle.
        #[arg(long)]
        published_on: String,
        /// The framework version the scores were given against; the newest loaded version if not given.
        #[arg(long, value_name = "VERSION")]
        framework: Option<String>,
    },
    /// Create the first administrator: prints (and emails) the link to set their password.
    CreateAdmin {
        email: String,
        /// Their full name.
        #[arg(long, default_value = "Service administrator")]
        name: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    server::init_tracing();
    let cli = Cli::parse();
    let config = match server::config::Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("The configuration is not usable: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => server::serve(config).await,
        Command::ImportOrgs {
            files,
            label,
            as_of,
        } => server::commands::import_orgs(&config, &files, &label, as_of.as_deref()).await,
        Command::LoadFramework { file } => server::commands::load_framework(&config, &file).await,
        Command::VerifyAudit => server::commands::verify_audit(&config).await,
        Command::ImportResults {
            file,
            cycle_name,
            published_on,
            framework,
        } => {
            server::commands::import_results(
                &config,
                &file,
                &cycle_name,
                &published_on,
                framework.as_deref(),
            )
            .await
        }
        Command::CreateAdmin { email, name } => {
            server::commands::create_admin(&config, &email, &name).await
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

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
    /// Load a version of the assessment framework from its TOML file. A loaded version never changes.
    LoadFramework { file: PathBuf },
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

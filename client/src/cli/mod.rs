//! The `tocsin` command line: clap definitions (`args`), one module of
//! handlers per area, and the exit codes (`error`).

mod args;
mod assessment;
mod auth;
mod error;
mod session;
mod situation;

pub use args::{
    AssessmentCommand, Cli, Command, ListArgs, LoginArgs, ShowArgs, SituationCommand, SituationFilter,
    VersionArgs,
};
pub use error::{CliError, exit};

use session::Session;

/// Runs one parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let session = Session::new(&cli)?;
    match cli.command {
        Command::Login(args) => auth::login(&session, args).await,
        Command::Logout => auth::logout(&session),
        Command::Whoami => auth::whoami(&session).await,
        Command::Pin { url, fingerprint } => auth::pin(&session, &url, fingerprint),
        Command::Assessment(command) => assessment::run(&session, command).await,
        Command::Situations(filter) => situation::list(&session, filter).await,
        Command::Situation(command) => situation::run(&session, command).await,
        Command::Submit(args) => assessment::submit(&session, args).await,
        Command::Publish(args) => assessment::publish(&session, args).await,
        Command::List(args) => assessment::list(&session, args).await,
        Command::Show(args) => assessment::show(&session, args).await,
    }
}

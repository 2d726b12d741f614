//! The `tocsin` command line: clap definitions (`args`), one module of
//! handlers per area, and the exit codes (`error`).

mod admin_args;
mod args;
mod assessment;
mod audit;
mod auth;
mod error;
mod federation;
mod pki;
mod policy;
mod session;
mod situation;
mod subscriptions;
mod warning;

pub use admin_args::{ExplainArgs, FederationCommand, IssueArgs, PkiCommand, PolicyCommand};
pub use args::{
    AssessmentCommand, Cli, Command, ListArgs, LoginArgs, ShowArgs, SituationCommand, SituationFilter,
    VersionArgs, WithdrawArgs,
};
pub use audit::{AuditCommand, AuditListArgs};
pub use error::{CliError, exit};
pub use subscriptions::{SubscribeArgs, WebhooksCommand};
pub use warning::{
    AckArgs, AckChoice, ActionAddArgs, ActionCommand, ActionStatusChoice, ActionUpdateArgs, DecideArgs,
    DecisionChoice, NoteArgs, WarningCommand, WarningListArgs, WarningRef, WatchArgs,
};

use clap::Parser;
use std::process::ExitCode;

use session::Session;

/// The `tocsin` program: parses the command line (clap prints usage errors
/// and exits with 2), runs it on a single-threaded runtime, and reports a
/// failure as one `error: …` line on standard error with its exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

/// Runs one parsed command line. The offline administration commands need
/// no node and no configuration directory.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Pki(command) => return pki::run(cli.json, command),
        Command::Policy(PolicyCommand::Check { dir }) => return policy::check(cli.json, &dir),
        _ => {}
    }
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
        Command::Withdraw(args) => assessment::withdraw(&session, args).await,
        Command::List(args) => assessment::list(&session, args).await,
        Command::Show(args) => assessment::show(&session, args).await,
        Command::Peers => federation::peers(&session).await,
        Command::Federation(command) => federation::run(&session, command).await,
        Command::Warning(command) => warning::run(&session, command).await,
        Command::Watch(args) => warning::watch(&session, args).await,
        Command::Report => warning::report(&session).await,
        Command::Audit(command) => audit::run(&session, command).await,
        Command::Subscribe(args) => subscriptions::subscribe(&session, args).await,
        Command::Subscriptions => subscriptions::list(&session).await,
        Command::Unsubscribe { id } => subscriptions::unsubscribe(&session, id).await,
        Command::Webhooks(command) => subscriptions::webhooks(&session, command).await,
        Command::Policy(PolicyCommand::Explain(args)) => policy::explain(&session, args).await,
        Command::Policy(PolicyCommand::Reload) => policy::reload(&session).await,
        Command::Pki(_) | Command::Policy(PolicyCommand::Check { .. }) => Ok(()),
    }
}

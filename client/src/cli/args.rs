//! The command line, as clap derive types. Help texts are the user manual.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

use super::admin_args::{
    FEDERATION_HELP, FederationCommand, PKI_HELP, POLICY_HELP, PkiCommand, PolicyCommand,
};
use super::audit::{AUDIT_HELP, AuditCommand};
use super::subscriptions::{SUBSCRIBE_HELP, SubscribeArgs, WEBHOOKS_HELP, WebhooksCommand};
use super::warning::{REPORT_HELP, WARNING_HELP, WATCH_HELP, WarningCommand, WatchArgs};
use crate::document::{AssessmentStatus, OverallRisk};
use crate::fingerprint::Fingerprint;
use crate::node_url::{DEFAULT_NODE, NodeUrl};

const AFTER_HELP: &str = "\
Examples:
  # A node in embedded mode: pin its certificate (it prints the fingerprint at
  # start), log in with its development issuer, check who you are.
  tocsin pin https://127.0.0.1:7443 SHA256:<64 hex digits>
  tocsin login --dev --user ada --role analyst --name Ada
  tocsin whoami

  # Write an assessment, record it, send it to review; a reviewer publishes it.
  tocsin assessment new -o xaa.yaml
  tocsin assessment create xaa.yaml
  tocsin submit <ID>
  tocsin publish <ID>
  tocsin list --country XAA --min-risk high
  tocsin show <ID>
  tocsin show <ID> --yaml > xaa.yaml && tocsin assessment revise <ID> xaa.yaml
  tocsin withdraw <ID> --reason 'the field report was recanted'

  # Situations: this node's view and every other organisation's, side by side.
  tocsin situations --body ECOWAS
  tocsin situation show XAA

  # Your organisation's OpenID provider (device login, any browser will do).
  tocsin login --issuer https://id.example.org --client-id tocsin-cli

  # Administration (see `tocsin pki --help`, `tocsin policy --help`).
  tocsin pki init --dir ca && tocsin pki issue --ca ca --org ecowas --out ecowas
  tocsin policy check policies/
  tocsin peers
  tocsin policy explain --to ecowas <ID>

Environment:
  TOCSIN_NODE, TOCSIN_FINGERPRINT, TOCSIN_CA_CERT, TOCSIN_CONFIG_DIR
                 defaults for --node, --fingerprint, --ca-cert, --config-dir
  TOCSIN_TOKEN   an ID token to use instead of the stored one

Files (in --config-dir, else $XDG_CONFIG_HOME/tocsin, else ~/.config/tocsin):
  credentials.json  ID tokens per node, mode 0600 (refused if others can read it)
  known_nodes.json  pinned certificate fingerprints per node

Exit codes:
  0  success
  1  failure: connection, file, or the node itself
  2  usage error
  3  not logged in, token expired, or authentication refused
  4  permission denied
  5  not found
  6  invalid input or failed precondition (the message names the field)
  7  the node's certificate is not trusted (no pin, another certificate, or a bad --ca-cert)";

/// Command-line client of a Tocsin node: atrocity-crime early warning.
#[derive(Debug, Parser)]
#[command(name = "tocsin", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// The node to talk to
    #[arg(long, global = true, env = "TOCSIN_NODE", value_name = "URL", default_value = DEFAULT_NODE)]
    pub node: NodeUrl,

    /// Trust exactly the node certificate with this fingerprint, as the node prints it
    #[arg(long, global = true, env = "TOCSIN_FINGERPRINT", value_name = "SHA256:HEX")]
    pub fingerprint: Option<Fingerprint>,

    /// Verify the node's certificate against this CA certificate file (PEM) instead of a pin
    #[arg(long, global = true, env = "TOCSIN_CA_CERT", value_name = "PEM")]
    pub ca_cert: Option<PathBuf>,

    /// Print JSON instead of tables and text
    #[arg(long, global = true)]
    pub json: bool,

    /// Directory of credentials.json and known_nodes.json
    #[arg(long, global = true, env = "TOCSIN_CONFIG_DIR", value_name = "DIR")]
    pub config_dir: Option<PathBuf>,

    /// ID token to use instead of the stored one (prefer the environment variable)
    #[arg(
        long,
        global = true,
        env = "TOCSIN_TOKEN",
        hide = true,
        hide_env_values = true
    )]
    pub token: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Get an ID token and store it for the node
    Login(LoginArgs),
    /// Forget the stored token for the node
    Logout,
    /// Show who the node takes you for: subject, organisation, roles
    Whoami,
    /// Pin a node's certificate: trust exactly the certificate with this fingerprint
    Pin {
        /// The node, e.g. https://127.0.0.1:7443
        url: NodeUrl,
        /// `SHA256:<64 hex digits>`, as the node prints it at start
        fingerprint: Fingerprint,
    },
    /// Write, record, review and read assessments
    #[command(subcommand)]
    Assessment(AssessmentCommand),
    /// List situations: this node's latest published assessment of each, and other organisations' views
    Situations(SituationFilter),
    /// Read one situation
    #[command(subcommand)]
    Situation(SituationCommand),
    /// Same as `assessment submit`
    Submit(VersionArgs),
    /// Same as `assessment publish`
    Publish(VersionArgs),
    /// Same as `assessment withdraw`
    Withdraw(WithdrawArgs),
    /// Same as `assessment list`
    List(ListArgs),
    /// Same as `assessment show`
    Show(ShowArgs),
    /// The federation PKI: a certificate authority and organisation certificates (offline)
    #[command(subcommand, after_help = PKI_HELP)]
    Pki(PkiCommand),
    /// Check policy files offline, or explain the node's sharing decisions
    #[command(subcommand, after_help = POLICY_HELP)]
    Policy(PolicyCommand),
    /// The node's federation peers, its cursor of each, statements received (admins, auditors)
    #[command(after_help = FEDERATION_HELP)]
    Peers,
    /// The node's federation quarantine and refused deliveries (admins, auditors)
    #[command(subcommand, after_help = FEDERATION_HELP)]
    Federation(FederationCommand),
    /// Raise, issue and answer warnings: acknowledge, decide, record actions; timelines and CAP
    #[command(subcommand, after_help = WARNING_HELP)]
    Warning(WarningCommand),
    /// Follow warning events on the node as they happen, resuming where the last watch stopped
    #[command(after_help = WATCH_HELP)]
    Watch(WatchArgs),
    /// How long delivery, acknowledgement, decision and action took; what is overdue
    #[command(after_help = REPORT_HELP)]
    Report,
    /// Query and verify the node's tamper-evident audit trail (auditors, admins)
    #[command(subcommand, after_help = AUDIT_HELP)]
    Audit(AuditCommand),
    /// Follow warnings that match filters; admins may have them POSTed to a webhook
    #[command(after_help = SUBSCRIBE_HELP)]
    Subscribe(SubscribeArgs),
    /// List your subscriptions (admins: everyone's)
    #[command(after_help = SUBSCRIBE_HELP)]
    Subscriptions,
    /// Delete a subscription
    Unsubscribe {
        /// The subscription's ID, as `tocsin subscriptions` shows it
        id: String,
    },
    /// Webhook deliveries that failed for good, and replaying them (admins)
    #[command(subcommand, after_help = WEBHOOKS_HELP)]
    Webhooks(WebhooksCommand),
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Log in with the node's development issuer (embedded mode only)
    #[arg(long)]
    pub dev: bool,
    /// The OpenID provider; with --dev the development issuer [default with --dev: http://127.0.0.1:7444]
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// With --dev: the user to log in as
    #[arg(long, requires = "dev", value_name = "NAME")]
    pub user: Option<String>,
    /// With --dev: a role to hold (repeat for several), e.g. analyst, reviewer
    #[arg(long = "role", requires = "dev", value_name = "ROLE")]
    pub roles: Vec<String>,
    /// With --dev: the display name
    #[arg(long, requires = "dev", value_name = "TEXT")]
    pub name: Option<String>,
    /// The client ID registered for this CLI at the OpenID provider
    #[arg(long, env = "TOCSIN_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,
    /// The client secret, if the provider requires one (prefer the environment variable)
    #[arg(
        long,
        env = "TOCSIN_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub client_secret: Option<String>,
    /// An extra scope to ask for (repeat for several); `openid` is always asked for
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Store an ID token read from standard input instead of logging in
    #[arg(long, conflicts_with_all = ["dev", "user"])]
    pub token_stdin: bool,
    /// Also print the ID token on standard output, for scripts
    #[arg(long)]
    pub print_token: bool,
}

#[derive(Debug, Subcommand)]
pub enum AssessmentCommand {
    /// Write a commented template for a new assessment (fictional country XAA)
    New {
        /// Write to this file instead of standard output
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Overwrite FILE if it exists
        #[arg(long, requires = "output")]
        force: bool,
    },
    /// Record a new assessment, as a draft, from a YAML or JSON file
    Create {
        /// The assessment file (see `tocsin assessment new`)
        file: PathBuf,
    },
    /// Give an assessment a new text from a file (a published one gets a new version)
    Revise {
        id: String,
        file: PathBuf,
        /// The version the file was written against [default: the latest version]
        #[arg(long, value_name = "N")]
        base_version: Option<u32>,
    },
    /// Send a draft to review
    Submit(VersionArgs),
    /// Publish a version in review (reviewers)
    Publish(VersionArgs),
    /// Take back a published version, with a reason (reviewers); peers that got it get a retraction
    Withdraw(WithdrawArgs),
    /// List assessments (the latest version of each, unless --all-versions)
    List(ListArgs),
    /// Show one assessment version
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    pub id: String,
    /// The version [default: the latest]
    #[arg(long, value_name = "N")]
    pub version: Option<u32>,
}

#[derive(Debug, Args)]
pub struct WithdrawArgs {
    pub id: String,
    /// Why the organisation no longer stands behind it (1–2000 characters); peers see it
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// The version, which must be the latest and published [default: the latest]
    #[arg(long, value_name = "N")]
    pub version: Option<u32>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub id: String,
    /// The version [default: the latest]
    #[arg(long, value_name = "N")]
    pub version: Option<u32>,
    /// Print the content as an assessment file, ready to edit and `revise`
    #[arg(long, conflicts_with = "json")]
    pub yaml: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only situations in this country (ISO 3166-1 alpha-3)
    #[arg(long, value_name = "CODE")]
    pub country: Option<String>,
    /// Only situations under this regional body, e.g. ECOWAS
    #[arg(long, value_name = "BODY")]
    pub body: Option<String>,
    /// Only versions with this status: draft, in_review, published, superseded, withdrawn
    #[arg(long, value_name = "STATUS")]
    pub status: Option<AssessmentStatus>,
    /// Only overall risk at least this: low, moderate, high, very_high
    #[arg(long, value_name = "RISK")]
    pub min_risk: Option<OverallRisk>,
    /// Every version instead of the latest of each assessment
    #[arg(long)]
    pub all_versions: bool,
}

#[derive(Debug, Args)]
pub struct SituationFilter {
    /// Only situations in this country (ISO 3166-1 alpha-3)
    #[arg(long, value_name = "CODE")]
    pub country: Option<String>,
    /// Only situations under this regional body, e.g. ECOWAS
    #[arg(long, value_name = "BODY")]
    pub body: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SituationCommand {
    /// Show one situation: this node's latest assessment and every other organisation's, side by side
    Show {
        /// The situation key, e.g. XAA or XAA/XA01
        id: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("tocsin").chain(args.iter().copied()))
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn top_level_aliases_take_the_assessment_arguments() {
        let cli = parse(&["submit", "a1", "--version", "2"]).unwrap();
        assert!(
            matches!(cli.command, Command::Submit(VersionArgs { ref id, version: Some(2) }) if id == "a1")
        );
        let cli = parse(&["list", "--min-risk", "very_high", "--status", "published"]).unwrap();
        match cli.command {
            Command::List(args) => {
                assert_eq!(args.min_risk, Some(OverallRisk::VeryHigh));
                assert_eq!(args.status, Some(AssessmentStatus::Published));
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn withdraw_needs_a_reason_and_takes_a_version() {
        let cli = parse(&["withdraw", "a1", "--reason", "recanted", "--version", "3"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Withdraw(WithdrawArgs { ref id, ref reason, version: Some(3) })
                if id == "a1" && reason == "recanted"
        ));
        let cli = parse(&["assessment", "withdraw", "a1", "--reason", "wrong"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Assessment(AssessmentCommand::Withdraw(WithdrawArgs { version: None, .. }))
        ));
        let err = parse(&["withdraw", "a1"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--reason"), "{err}");
    }

    #[test]
    fn global_flags_work_after_the_subcommand_and_are_parsed() {
        let hex = "ab".repeat(32);
        let cli = parse(&[
            "whoami",
            "--node",
            "https://10.0.0.1:9443",
            "--fingerprint",
            &format!("SHA256:{hex}"),
        ])
        .unwrap();
        assert_eq!(cli.node.to_string(), "https://10.0.0.1:9443");
        assert_eq!(cli.fingerprint.unwrap().to_string(), format!("SHA256:{hex}"));
    }

    #[test]
    fn bad_values_are_usage_errors_naming_them() {
        let err = parse(&["list", "--min-risk", "extreme"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("`extreme`"), "{err}");
        let err = parse(&["pin", "https://127.0.0.1:7443", "SHA256:abc"]).unwrap_err();
        assert!(err.to_string().contains("not a certificate fingerprint"), "{err}");
        let err = parse(&["--node", "http://127.0.0.1:7443", "whoami"]).unwrap_err();
        assert!(err.to_string().contains("only https"), "{err}");
        let err = parse(&["login", "--user", "ada"]).unwrap_err();
        assert!(err.to_string().contains("--dev"), "{err}");
    }

    #[test]
    fn help_documents_exit_codes_and_examples() {
        let help = Cli::command().render_long_help().to_string();
        assert!(
            help.contains("Exit codes:") && help.contains("7  the node's certificate"),
            "{help}"
        );
        assert!(help.contains("tocsin login --dev --user ada"), "{help}");
    }
}

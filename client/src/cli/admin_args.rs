//! The administrators' commands, as clap derive types: the federation PKI
//! and policy checks (offline), the node's peers, quarantine and refusals,
//! and sharing explanations (admins and auditors of the node).

use clap::{Args, Subcommand};
use std::path::PathBuf;

pub(super) const PKI_HELP: &str = "\
Examples:
  # Once per federation, by whoever runs its certificate authority:
  tocsin pki init --dir ca --name \"West Africa early-warning federation\"
  # One certificate per organisation, for its FederationService:
  tocsin pki issue --ca ca --org ecowas --out ecowas --host node.ecowas.example --host 10.0.0.7

The certificate names the organisation as the URI `urn:tocsin:org:<ORG>`; that
is how a node knows which peer is calling. Keys are written 0600 and no file is
ever overwritten.";

pub(super) const POLICY_HELP: &str = "\
Examples:
  # Before deploying an edited policy directory (no node needed):
  tocsin policy check /etc/tocsin/policies
  # Why an assessment would (not) go to ECOWAS, and what ECOWAS would see:
  tocsin policy explain --to ecowas <ASSESSMENT>
  tocsin policy explain --to au <ASSESSMENT> --version 2 --json
  # After editing the node's sharing.cedar (admins; same as SIGHUP):
  tocsin policy reload";

pub(super) const FEDERATION_HELP: &str = "\
Examples:
  tocsin peers                      # peers, cursors, statements received
  tocsin federation quarantine      # same statement id, different content
  tocsin federation refusals        # deliveries this node refused, and why";

#[derive(Debug, Subcommand)]
pub enum PkiCommand {
    /// Create a federation certificate authority: DIR/ca.crt and DIR/ca.key
    #[command(after_help = PKI_HELP)]
    Init {
        /// Where to write the CA (created if missing)
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The CA's name
        #[arg(long, value_name = "NAME", default_value = "Tocsin federation CA")]
        name: String,
    },
    /// Issue an organisation's mutual-TLS certificate: OUT/ORG.crt and OUT/ORG.key
    #[command(after_help = PKI_HELP)]
    Issue(IssueArgs),
}

#[derive(Debug, Args)]
pub struct IssueArgs {
    /// The CA directory (`tocsin pki init --dir`)
    #[arg(long, value_name = "DIR")]
    pub ca: PathBuf,
    /// The organisation's id in the federation directory, e.g. ecowas
    #[arg(long, value_name = "ORG")]
    pub org: String,
    /// Where to write the certificate and key [default: the current directory]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// A host name or IP address the node is reached at (repeat for several)
    /// [default: localhost and 127.0.0.1]
    #[arg(long = "host", value_name = "H")]
    pub hosts: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check a policy directory offline: access.cedar and sharing.cedar, each if present
    #[command(after_help = POLICY_HELP)]
    Check {
        /// The directory, e.g. a copy of the repository's `policies/`
        dir: PathBuf,
    },
    /// Explain what the node's sharing policy sends a peer of an assessment (admins, auditors)
    #[command(after_help = POLICY_HELP)]
    Explain(ExplainArgs),
    /// Put the node's edited sharing policy in force, as SIGHUP does (admins)
    ///
    /// The policy is validated first; an invalid one is refused and the one
    /// in force stays. A changed policy gets a new epoch and every peer's
    /// backlog is re-evaluated under it.
    #[command(after_help = POLICY_HELP)]
    Reload,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The peer organisation, as the federation directory names it
    #[arg(long = "to", value_name = "ORG")]
    pub to: String,
    /// The assessment id
    pub assessment: String,
    /// The version [default: the one published now]
    #[arg(long, value_name = "N")]
    pub version: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum FederationCommand {
    /// Statements quarantined because a peer sent the same id with other content
    #[command(after_help = FEDERATION_HELP)]
    Quarantine,
    /// Deliveries this node refused, and why
    #[command(after_help = FEDERATION_HELP)]
    Refusals,
}

#[cfg(test)]
mod tests {
    use super::super::args::{Cli, Command};
    use super::*;
    use clap::{CommandFactory, Parser};

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("tocsin").chain(args.iter().copied()))
    }

    #[test]
    fn administration_commands_parse() {
        let cli = parse(&[
            "pki", "issue", "--ca", "ca", "--org", "ecowas", "--host", "a", "--host", "10.0.0.1",
        ])
        .unwrap();
        match cli.command {
            Command::Pki(PkiCommand::Issue(args)) => {
                assert_eq!((args.org.as_str(), args.out), ("ecowas", None));
                assert_eq!(args.hosts, ["a", "10.0.0.1"]);
            }
            other => panic!("parsed as {other:?}"),
        }
        let cli = parse(&["pki", "init", "--dir", "ca"]).unwrap();
        assert!(
            matches!(cli.command, Command::Pki(PkiCommand::Init { ref name, .. }) if name == "Tocsin federation CA")
        );
        let cli = parse(&[
            "policy",
            "explain",
            "--to",
            "au",
            "a-1",
            "--version",
            "2",
            "--json",
        ])
        .unwrap();
        assert!(cli.json);
        assert!(matches!(
            cli.command,
            Command::Policy(PolicyCommand::Explain(ExplainArgs { ref to, ref assessment, version: Some(2) }))
                if to == "au" && assessment == "a-1"
        ));
        assert!(matches!(parse(&["peers"]).unwrap().command, Command::Peers));
        assert!(matches!(
            parse(&["federation", "refusals"]).unwrap().command,
            Command::Federation(FederationCommand::Refusals)
        ));
        assert_eq!(parse(&["policy", "explain", "a-1"]).unwrap_err().exit_code(), 2);
        assert_eq!(parse(&["pki", "issue", "--ca", "ca"]).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn help_shows_examples() {
        let mut cli = Cli::command();
        let pki = cli.find_subcommand_mut("pki").unwrap();
        let help = pki.render_long_help().to_string();
        assert!(help.contains("tocsin pki issue --ca ca --org ecowas"), "{help}");
        let issue = pki
            .find_subcommand_mut("issue")
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(issue.contains("urn:tocsin:org:<ORG>"), "{issue}");
        let mut cli = Cli::command();
        let explain = cli
            .find_subcommand_mut("policy")
            .and_then(|p| p.find_subcommand_mut("explain"))
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(explain.contains("tocsin policy explain --to ecowas"), "{explain}");
        let top = Cli::command().render_long_help().to_string();
        assert!(top.contains("tocsin peers"), "{top}");
    }
}

//! The command line of `tocsin warning`, `tocsin watch` and `tocsin report`,
//! as clap derive types. Help texts are the user manual.

use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use tocsin_proto::v1 as pb;
use tocsin_server::model::warning::{ActionKind, Outcome, WarningStatus};

use crate::document::warning::When;

pub(crate) const WARNING_HELP: &str = "\
A warning is named by its ID on the node that sent it (this node: ID alone)
or SENDER/ID for one received from another organisation, e.g. ecowas/w-0042.

Examples:
  # Write a warning on a published assessment; a reviewer issues it.
  tocsin warning template > warning.yaml
  tocsin warning raise warning.yaml
  tocsin warning revise <ID> warning.yaml
  tocsin warning issue <ID>

  # What came in, what is still waiting for a decision.
  tocsin warning list --received --open
  tocsin warning show ecowas/<ID>
  tocsin warning timeline ecowas/<ID>

  # Answer a warning addressed to your organisation.
  tocsin warning ack ecowas/<ID> accepted
  tocsin warning ack ecowas/<ID> forwarded --to igad --reason 'IGAD leads on XAB'
  tocsin warning decide ecowas/<ID> act --justification 'armed groups mobilising'
  tocsin warning action add ecowas/<ID> --kind preventive_diplomacy --due 14d --decision <DID>
  tocsin warning action update ecowas/<ID> <ACTION_ID> completed --outcome 'envoy met both sides'
  tocsin warning note ecowas/<ID> --outcome mitigated --lessons-file lessons.md

  # Change or end a warning your node sent.
  tocsin warning update <ID> warning.yaml && tocsin warning issue <NEW_ID>
  tocsin warning cancel <ID> --reason 'the census was postponed' && tocsin warning issue <NEW_ID>
  tocsin warning close <ID> --decision <DID>

  # The warning in OASIS CAP 1.2, for other alerting systems.
  tocsin warning cap <ID> > warning.cap.xml

Times (--due, `expires` in the file): RFC 3339 (2026-12-01T12:00:00Z), a date
(2026-12-01: the end of that day in UTC), or a period from now (30d, 12h, 2w).
Times are shown in UTC.";

pub(crate) const WATCH_HELP: &str = "\
Prints one line per event as it happens on the node: time (UTC), kind,
SENDER/ID, level, headline and what happened. After each event it stores the
position reached in watch_cursors.json (in the configuration directory, per
node and subscription), so the next `tocsin watch` starts where this one
stopped. Ctrl-C ends it (exit code 0).

Examples:
  tocsin watch
  tocsin watch --from-start --json | jq -r 'select(.kind == \"received\") | .warning.id'
  tocsin watch --subscription <SUBSCRIPTION_ID>";

pub(crate) const REPORT_HELP: &str = "\
How long each step took after a warning was sent: delivery to the
addressee's node, its first acknowledgement, its decision, the first action.
Each cell is the median / the longest; `-` when nothing has happened yet.
Rows per addressee organisation and per situation, then every open warning
with something owed past its deadline.

Examples:
  tocsin report
  tocsin report --json | jq '.overdue[] | select(.reason == \"no_acknowledgement\")'";

/// `[SENDER/]ID`: a warning of this node, or of SENDER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningRef {
    pub sender: String,
    pub id: String,
}

impl FromStr for WarningRef {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (sender, id) = text.split_once('/').unwrap_or(("", text));
        if id.is_empty() || id.contains(char::is_whitespace) || (text.contains('/') && sender.is_empty()) {
            return Err(format!(
                "`{text}` is not a warning name: write ID or SENDER/ID, e.g. ecowas/w-0042"
            ));
        }
        Ok(Self {
            sender: sender.to_owned(),
            id: id.to_owned(),
        })
    }
}

impl fmt::Display for WarningRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::render::warning::name(&self.sender, &self.id))
    }
}

impl From<&WarningRef> for pb::WarningName {
    fn from(name: &WarningRef) -> Self {
        Self {
            sender: name.sender.clone(),
            id: name.id.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum WarningCommand {
    /// Print a commented template for a new warning (fictional country XAA)
    Template {
        /// Write to this file instead of standard output
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Overwrite FILE if it exists
        #[arg(long, requires = "output")]
        force: bool,
    },
    /// Draft a new warning (an alert) from a YAML or JSON file (analysts, reviewers)
    Raise {
        /// The warning file (see `tocsin warning template`)
        file: PathBuf,
    },
    /// Give a draft a new text from a file
    Revise { id: String, file: PathBuf },
    /// Draft an update of an issued warning of this node; issued, it supersedes the warning
    Update { id: String, file: PathBuf },
    /// Draft a cancel notice for an issued warning of this node; issued, it withdraws the warning
    Cancel {
        id: String,
        /// Why the warning no longer applies; the addressees see it
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Send a draft to its addressees (reviewers); the deadlines to answer are fixed now
    Issue { id: String },
    /// List warnings (filters combine)
    List(WarningListArgs),
    /// Show one warning: its text, addressees, decisions, actions and timeline
    Show {
        /// ID or SENDER/ID
        name: WarningRef,
        /// Print the content as a warning file, ready to edit for `revise` or `update`
        #[arg(long, conflicts_with = "json")]
        yaml: bool,
    },
    /// Show what happened to a warning and how long each step took
    Timeline {
        /// ID or SENDER/ID
        name: WarningRef,
    },
    /// Acknowledge a warning addressed to your organisation (focal points)
    Ack(AckArgs),
    /// Record your organisation's decision on a warning (decision-makers)
    Decide(DecideArgs),
    /// Record an action taken on a warning, or report its progress
    #[command(subcommand)]
    Action(ActionCommand),
    /// Close an issued warning of this node on the strength of a decision
    Close {
        id: String,
        /// The decision it is closed on (see `warning show`)
        #[arg(long, value_name = "DID")]
        decision: String,
    },
    /// Record what became of the risk and the lessons learned
    Note(NoteArgs),
    /// Print the warning as an OASIS CAP 1.2 document (XML)
    Cap {
        /// ID or SENDER/ID
        name: WarningRef,
    },
}

#[derive(Debug, Args)]
pub struct WarningListArgs {
    /// Only warnings in this status: draft, issued, superseded, cancelled, closed
    #[arg(long, value_name = "STATUS")]
    pub status: Option<WarningStatus>,
    /// Only warnings received from other organisations
    #[arg(long, conflicts_with = "sent")]
    pub received: bool,
    /// Only warnings this node sent
    #[arg(long)]
    pub sent: bool,
    /// Only warnings still waiting for a decision
    #[arg(long)]
    pub open: bool,
}

/// How an organisation answers a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AckChoice {
    /// It reached the right desk
    Received,
    /// The organisation takes it up
    #[value(alias = "accepted_for_action", alias = "accepted-for-action")]
    Accepted,
    /// Passed to an organisation better placed to act (needs --to and --reason)
    Forwarded,
    /// Not for this organisation (needs --reason)
    Declined,
}

impl AckChoice {
    pub fn wire(self) -> &'static str {
        match self {
            AckChoice::Received => "received",
            AckChoice::Accepted => "accepted_for_action",
            AckChoice::Forwarded => "forwarded",
            AckChoice::Declined => "declined",
        }
    }
}

#[derive(Debug, Args)]
pub struct AckArgs {
    /// ID or SENDER/ID
    pub name: WarningRef,
    pub kind: AckChoice,
    /// With forwarded: the organisation it was passed to
    #[arg(long, value_name = "ORG", required_if_eq("kind", "forwarded"))]
    pub to: Option<String>,
    /// Why (required with forwarded and declined)
    #[arg(long, value_name = "TEXT", required_if_eq_any([("kind", "forwarded"), ("kind", "declined")]))]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DecisionChoice {
    /// Early action will be taken
    Act,
    /// Keep watching, no action yet
    Monitor,
    /// No action
    #[value(alias = "no_action")]
    NoAction,
}

impl DecisionChoice {
    pub fn wire(self) -> &'static str {
        match self {
            DecisionChoice::Act => "act",
            DecisionChoice::Monitor => "monitor",
            DecisionChoice::NoAction => "no_action",
        }
    }
}

#[derive(Debug, Args)]
pub struct DecideArgs {
    /// ID or SENDER/ID
    pub name: WarningRef,
    pub kind: DecisionChoice,
    /// The reasons, which the sender and auditors will read
    #[arg(long, value_name = "TEXT")]
    pub justification: String,
}

#[derive(Debug, Subcommand)]
pub enum ActionCommand {
    /// Record an action your organisation (or another) takes on a warning
    Add(ActionAddArgs),
    /// Report an action's progress; completed and abandoned need --outcome
    Update(ActionUpdateArgs),
}

#[derive(Debug, Args)]
pub struct ActionAddArgs {
    /// ID or SENDER/ID
    pub name: WarningRef,
    /// preventive_diplomacy, mediation, public_statement, fact_finding, council_briefing,
    /// targeted_sanctions, arms_embargo, protection_deployment, humanitarian_access,
    /// accountability_referral or capacity_support
    #[arg(long, value_name = "KIND")]
    pub kind: ActionKind,
    /// When it is due: RFC 3339, a date (end of day UTC) or a period from now (14d)
    #[arg(long, value_name = "DATE|PERIOD")]
    pub due: When,
    /// The organisation that answers for it [default: yours]
    #[arg(long, value_name = "ORG")]
    pub owner: Option<String>,
    /// The decision that called for it (see `warning show`)
    #[arg(long, value_name = "DID")]
    pub decision: Option<String>,
    /// What will be done
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ActionStatusChoice {
    #[value(alias = "in_progress")]
    InProgress,
    Completed,
    Abandoned,
}

impl ActionStatusChoice {
    pub fn wire(self) -> &'static str {
        match self {
            ActionStatusChoice::InProgress => "in_progress",
            ActionStatusChoice::Completed => "completed",
            ActionStatusChoice::Abandoned => "abandoned",
        }
    }
}

#[derive(Debug, Args)]
pub struct ActionUpdateArgs {
    /// ID or SENDER/ID
    pub name: WarningRef,
    pub action_id: String,
    pub status: ActionStatusChoice,
    /// What came of it (required with completed and abandoned)
    #[arg(long, value_name = "TEXT", required_if_eq_any([("status", "completed"), ("status", "abandoned")]))]
    pub outcome: Option<String>,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("lessons_from").required(true).args(["lessons", "lessons_file"])))]
pub struct NoteArgs {
    /// ID or SENDER/ID
    pub name: WarningRef,
    /// prevented, mitigated, not_prevented, did_not_materialise or unknown
    #[arg(long, value_name = "OUTCOME")]
    pub outcome: Outcome,
    /// The lessons learned
    #[arg(long, value_name = "TEXT")]
    pub lessons: Option<String>,
    /// Read the lessons from this file (`-`: standard input)
    #[arg(long, value_name = "FILE")]
    pub lessons_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Replay every event from the beginning instead of resuming where the last watch stopped
    #[arg(long)]
    pub from_start: bool,
    /// Only warnings matching this subscription of yours
    #[arg(long, value_name = "ID")]
    pub subscription: Option<String>,
}

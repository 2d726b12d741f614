//! `subscribe`, `subscriptions`, `unsubscribe` and `webhooks`: the warnings
//! a user follows, the webhooks the node POSTs them to (admins) and the
//! deliveries that failed for good.

use clap::{Args, Subcommand};
use serde::Serialize;
use std::path::PathBuf;
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::subscription_service_client::SubscriptionServiceClient;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use super::error::CliError;
use super::session::Session;
use crate::connect::Bearer;
use crate::document::Crime;
use crate::table::Table;
use crate::view::timestamp;

pub(crate) const SUBSCRIBE_HELP: &str = "\
Each option may be repeated; a warning matches when it has any of the values
given for an option, and it must match every option given. No option at all
follows every warning.

Examples:
  # Warnings about Mali or Niger at level `warning` or above.
  tocsin subscribe --country MLI --country NER --min-level warning
  # Anything in ECOWAS or in Western Africa (M49 011) about genocide.
  tocsin subscribe --regional-body ECOWAS --crime genocide
  tocsin subscribe --m49 011 --factor 7 --factor 8
  # Admins: POST matching warnings to a webhook, signed with the secret in FILE.
  tocsin subscribe --country MLI --webhook https://hooks.example.org/tocsin --secret-file hook.secret

  tocsin subscriptions
  tocsin unsubscribe <ID>

Webhook deliveries are HTTPS POSTs of a JSON body with X-Tocsin-Delivery (the
notification id), X-Tocsin-Timestamp (unix seconds) and X-Tocsin-Signature:
sha256=<hex HMAC-SHA256(secret, \"<timestamp>.<body>\")>. Answer 2xx; anything
else is retried with backoff, then kept as a dead letter (`tocsin webhooks`).";

pub(crate) const WEBHOOKS_HELP: &str = "\
Deliveries that failed as many times as the node allows wait as dead letters
until an admin replays them.

Examples:
  tocsin webhooks dead-letters
  tocsin webhooks replay 42";

#[derive(Debug, Args)]
pub struct SubscribeArgs {
    /// A country of the situation (ISO 3166-1 alpha-3), e.g. MLI
    #[arg(long = "country", value_name = "CODE")]
    pub countries: Vec<String>,
    /// A regional body a country of the situation belongs to, e.g. ECOWAS
    #[arg(long = "regional-body", value_name = "BODY")]
    pub regional_bodies: Vec<String>,
    /// A UN M49 region of a country of the situation, e.g. 011 (Western Africa)
    #[arg(long = "m49", value_name = "CODE")]
    pub m49_regions: Vec<String>,
    /// A crime at risk: genocide, crimes_against_humanity, war_crimes, ethnic_cleansing
    #[arg(long = "crime", value_name = "CRIME")]
    pub crimes: Vec<Crime>,
    /// A risk factor (1–14) the warning's assessment rates high
    #[arg(long = "factor", value_name = "N", value_parser = clap::value_parser!(u32).range(1..=14))]
    pub factors: Vec<u32>,
    /// The lowest warning level: watch, warning, emergency
    #[arg(long, value_name = "LEVEL", value_parser = ["watch", "warning", "emergency"])]
    pub min_level: Option<String>,
    /// POST matching warnings to this https:// address (admins)
    #[arg(long, value_name = "URL", requires = "secret_file")]
    pub webhook: Option<String>,
    /// The file holding the webhook's signing secret (16 to 256 characters)
    #[arg(long, value_name = "PATH", requires = "webhook")]
    pub secret_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Deliveries that failed for good (admins)
    DeadLetters,
    /// Queue a dead letter again, its attempts reset (admins)
    Replay {
        /// The dead letter's ID, as `tocsin webhooks dead-letters` shows it
        id: u64,
    },
}

/// One subscription; its JSON is the `--json` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct SubscriptionView {
    pub(super) id: String,
    pub(super) owner: String,
    pub(super) organisation: String,
    pub(super) countries: Vec<String>,
    pub(super) regional_bodies: Vec<String>,
    pub(super) m49_regions: Vec<String>,
    pub(super) crimes: Vec<String>,
    pub(super) risk_factors: Vec<u32>,
    pub(super) min_level: Option<String>,
    pub(super) webhook: Option<String>,
    pub(super) created_at: Option<String>,
}

impl From<&pb::Subscription> for SubscriptionView {
    fn from(s: &pb::Subscription) -> Self {
        let f = s.filters.clone().unwrap_or_default();
        Self {
            id: s.id.clone(),
            owner: s.owner.clone(),
            organisation: s.organisation.clone(),
            countries: f.countries,
            regional_bodies: f.regional_bodies,
            m49_regions: f.m49_regions,
            crimes: f
                .crimes
                .iter()
                .map(|c| Crime::from_proto(*c).to_string())
                .collect(),
            risk_factors: f.risk_factors,
            min_level: (!f.min_level.is_empty()).then_some(f.min_level),
            webhook: s.has_webhook.then(|| s.webhook_url.clone()),
            created_at: timestamp(s.created_at.as_ref()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct DeadLetterView {
    pub(super) id: u64,
    pub(super) subscription_id: String,
    pub(super) notification_id: String,
    pub(super) attempts: u32,
    pub(super) last_error: String,
    pub(super) enqueued_at: Option<String>,
    pub(super) dead_at: Option<String>,
}

type Client = SubscriptionServiceClient<InterceptedService<Channel, Bearer>>;

async fn client(session: &Session) -> Result<Client, CliError> {
    let (channel, token) = session.channel().await?;
    Ok(SubscriptionServiceClient::with_interceptor(
        channel,
        Bearer::new(&token)?,
    ))
}

pub(super) async fn subscribe(session: &Session, args: SubscribeArgs) -> Result<(), CliError> {
    let secret = match &args.secret_file {
        Some(path) => read_secret(path)?,
        None => String::new(),
    };
    let request = pb::CreateSubscriptionRequest {
        filters: Some(pb::SubscriptionFilters {
            countries: args.countries,
            regional_bodies: args.regional_bodies,
            m49_regions: args.m49_regions,
            crimes: args.crimes.iter().map(|c| c.to_proto()).collect(),
            risk_factors: args.factors,
            min_level: args.min_level.unwrap_or_default(),
        }),
        webhook_url: args.webhook.unwrap_or_default(),
        webhook_secret: secret,
    };
    let created = client(session)
        .await?
        .create_subscription(request)
        .await?
        .into_inner();
    let view = SubscriptionView::from(&created);
    session.emit(&view, |v| {
        format!(
            "subscribed: {}\n{}",
            v.id,
            render_subscriptions(std::slice::from_ref(v))
        )
    })
}

/// The secret in `path`, without the line break that ends the file.
fn read_secret(path: &std::path::Path) -> Result<String, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Io {
        action: "read the webhook secret file",
        source,
    })?;
    Ok(text.trim_end_matches(['\r', '\n']).to_owned())
}

pub(super) async fn list(session: &Session) -> Result<(), CliError> {
    let reply = client(session)
        .await?
        .list_subscriptions(pb::ListSubscriptionsRequest {})
        .await?
        .into_inner();
    let views: Vec<SubscriptionView> = reply.subscriptions.iter().map(SubscriptionView::from).collect();
    session.emit(&views, |v| render_subscriptions(v))
}

pub(super) async fn unsubscribe(session: &Session, id: String) -> Result<(), CliError> {
    client(session)
        .await?
        .delete_subscription(pb::DeleteSubscriptionRequest { id: id.clone() })
        .await?;
    #[derive(Serialize)]
    struct Deleted {
        id: String,
        deleted: bool,
    }
    session.emit(&Deleted { id, deleted: true }, |d| {
        format!("unsubscribed: {}\n", d.id)
    })
}

pub(super) async fn webhooks(session: &Session, command: WebhooksCommand) -> Result<(), CliError> {
    let mut client = client(session).await?;
    match command {
        WebhooksCommand::DeadLetters => {
            let reply = client
                .list_dead_letters(pb::ListDeadLettersRequest {})
                .await?
                .into_inner();
            let views: Vec<DeadLetterView> = reply
                .dead_letters
                .iter()
                .map(|d| DeadLetterView {
                    id: d.id,
                    subscription_id: d.subscription_id.clone(),
                    notification_id: d.notification_id.clone(),
                    attempts: d.attempts,
                    last_error: d.last_error.clone(),
                    enqueued_at: timestamp(d.enqueued_at.as_ref()),
                    dead_at: timestamp(d.dead_at.as_ref()),
                })
                .collect();
            session.emit(&views, |v| render_dead_letters(v))
        }
        WebhooksCommand::Replay { id } => {
            client
                .replay_dead_letter(pb::ReplayDeadLetterRequest { id })
                .await?;
            #[derive(Serialize)]
            struct Replayed {
                id: u64,
                queued: bool,
            }
            session.emit(&Replayed { id, queued: true }, |r| {
                format!("dead letter {} is queued again\n", r.id)
            })
        }
    }
}

fn render_subscriptions(subscriptions: &[SubscriptionView]) -> String {
    if subscriptions.is_empty() {
        return "no subscription\n".to_owned();
    }
    let mut table = Table::new(&["ID", "OWNER", "FILTERS", "WEBHOOK", "CREATED"]);
    for s in subscriptions {
        table.row(vec![
            s.id.clone(),
            s.owner.clone(),
            filters_text(s),
            s.webhook.clone().unwrap_or_else(|| "-".to_owned()),
            s.created_at.clone().unwrap_or_default(),
        ]);
    }
    table.render()
}

/// `country=MLI,NER level>=warning`, or `any warning`.
fn filters_text(s: &SubscriptionView) -> String {
    let mut parts = Vec::new();
    let mut add = |name: &str, values: Vec<String>| {
        if !values.is_empty() {
            parts.push(format!("{name}={}", values.join(",")));
        }
    };
    add("country", s.countries.clone());
    add("body", s.regional_bodies.clone());
    add("m49", s.m49_regions.clone());
    add("crime", s.crimes.clone());
    add("factor", s.risk_factors.iter().map(u32::to_string).collect());
    if let Some(level) = &s.min_level {
        parts.push(format!("level>={level}"));
    }
    if parts.is_empty() {
        "any warning".to_owned()
    } else {
        parts.join(" ")
    }
}

fn render_dead_letters(letters: &[DeadLetterView]) -> String {
    if letters.is_empty() {
        return "no dead letter\n".to_owned();
    }
    let mut table = Table::new(&[
        "ID",
        "SUBSCRIPTION",
        "NOTIFICATION",
        "ATTEMPTS",
        "DEAD AT",
        "LAST ERROR",
    ]);
    for d in letters {
        table.row(vec![
            d.id.to_string(),
            d.subscription_id.clone(),
            d.notification_id.clone(),
            d.attempts.to_string(),
            d.dead_at.clone().unwrap_or_default(),
            d.last_error.clone(),
        ]);
    }
    table.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(id: &str) -> SubscriptionView {
        SubscriptionView {
            id: id.into(),
            owner: "fatou".into(),
            organisation: "ecowas".into(),
            countries: Vec::new(),
            regional_bodies: Vec::new(),
            m49_regions: Vec::new(),
            crimes: Vec::new(),
            risk_factors: Vec::new(),
            min_level: None,
            webhook: None,
            created_at: Some("2026-11-03T10:00:00Z".into()),
        }
    }

    #[test]
    fn subscriptions_render_as_a_table() {
        let mali = SubscriptionView {
            countries: vec!["MLI".into(), "NER".into()],
            crimes: vec!["genocide".into()],
            risk_factors: vec![7, 8],
            min_level: Some("warning".into()),
            webhook: Some("https://hooks.example.org/t".into()),
            ..view("s-2")
        };
        assert_eq!(
            render_subscriptions(&[view("s-1"), mali]),
            "\
ID   OWNER  FILTERS                                                   WEBHOOK                      CREATED
s-1  fatou  any warning                                               -                            2026-11-03T10:00:00Z
s-2  fatou  country=MLI,NER crime=genocide factor=7,8 level>=warning  https://hooks.example.org/t  2026-11-03T10:00:00Z
"
        );
        assert_eq!(render_subscriptions(&[]), "no subscription\n");
    }

    #[test]
    fn wire_subscriptions_become_views() {
        let wire = pb::Subscription {
            id: "s-1".into(),
            owner: "root".into(),
            organisation: "ecowas".into(),
            filters: Some(pb::SubscriptionFilters {
                crimes: vec![pb::Crime::WarCrimes as i32],
                min_level: "emergency".into(),
                ..Default::default()
            }),
            has_webhook: true,
            webhook_url: "https://h.example/x".into(),
            created_at: None,
        };
        let v = SubscriptionView::from(&wire);
        assert_eq!(v.crimes, ["war_crimes"]);
        assert_eq!(v.min_level.as_deref(), Some("emergency"));
        assert_eq!(v.webhook.as_deref(), Some("https://h.example/x"));
    }

    #[test]
    fn dead_letters_render_as_a_table() {
        let letter = DeadLetterView {
            id: 7,
            subscription_id: "s-1".into(),
            notification_id: "w-1".into(),
            attempts: 8,
            last_error: "the receiver answered 500 Internal Server Error".into(),
            enqueued_at: None,
            dead_at: Some("2026-11-03T10:00:00Z".into()),
        };
        assert_eq!(
            render_dead_letters(&[letter]),
            "\
ID  SUBSCRIPTION  NOTIFICATION  ATTEMPTS  DEAD AT               LAST ERROR
7   s-1           w-1           8         2026-11-03T10:00:00Z  the receiver answered 500 Internal Server Error
"
        );
        assert_eq!(render_dead_letters(&[]), "no dead letter\n");
    }

    #[test]
    fn the_command_line_parses_repeated_filters_and_needs_a_secret_with_a_webhook() {
        use crate::cli::{Cli, Command};
        use clap::Parser;
        let parse =
            |args: &[&str]| Cli::try_parse_from(std::iter::once("tocsin").chain(args.iter().copied()));
        let cli = parse(&[
            "subscribe",
            "--country",
            "MLI",
            "--country",
            "NER",
            "--crime",
            "genocide",
            "--factor",
            "7",
            "--min-level",
            "warning",
        ])
        .unwrap();
        let Command::Subscribe(args) = cli.command else {
            panic!("parsed as {:?}", cli.command)
        };
        assert_eq!(args.countries, ["MLI", "NER"]);
        assert_eq!(args.crimes, [Crime::Genocide]);
        assert_eq!(
            (args.factors, args.min_level.as_deref()),
            (vec![7], Some("warning"))
        );
        for bad in [
            &["subscribe", "--webhook", "https://h.example/x"][..],
            &["subscribe", "--factor", "15"],
            &["subscribe", "--crime", "piracy"],
            &["subscribe", "--min-level", "severe"],
            &["webhooks", "replay", "x"],
        ] {
            assert_eq!(parse(bad).unwrap_err().exit_code(), 2, "{bad:?}");
        }
        assert!(matches!(
            parse(&["webhooks", "replay", "7"]).unwrap().command,
            Command::Webhooks(WebhooksCommand::Replay { id: 7 })
        ));
        assert!(matches!(
            parse(&["unsubscribe", "s-1"]).unwrap().command,
            Command::Unsubscribe { .. }
        ));
    }

    #[test]
    fn the_secret_file_loses_its_final_line_break() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hook.secret");
        std::fs::write(&path, "0123456789abcdef\n").unwrap();
        assert_eq!(read_secret(&path).unwrap(), "0123456789abcdef");
        let err = read_secret(&dir.path().join("missing")).unwrap_err();
        assert!(
            err.to_string().contains("cannot read the webhook secret file"),
            "{err}"
        );
    }
}

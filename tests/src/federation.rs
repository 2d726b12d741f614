//! A real federation on loopback: a generated federation CA and one
//! certificate per organisation, fresh Ed25519 signing keys, a directory
//! listing them, the example sharing policies of `policies/sharing/`, and one
//! in-process node per organisation with its FederationService on its own
//! port (mutual TLS) and its development issuer.

use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;
use tocsin_server::federation::keys::write_node_key;
use tocsin_server::model::signing::NodeKey;
use tocsin_server::store::InboxEntry;

use crate::node::{Issuer, TestNode};
use crate::ports::free_port;

/// Longest a test waits for statements to arrive before it fails.
pub const CONVERGENCE: Duration = Duration::from_secs(30);

/// One organisation of a test federation.
#[derive(Debug, Clone)]
pub struct OrgSpec {
    pub id: &'static str,
    pub kind: &'static str,
    pub groups: &'static [&'static str],
    /// An example set in `policies/sharing/`, or `None` to share nothing.
    pub sharing: Option<&'static str>,
    /// The organisations whose nodes it subscribes to.
    pub subscribe: &'static [&'static str],
}

/// XAA, a member state, and ECOWAS subscribing to it; each shares by its
/// example policy.
pub fn xaa_and_ecowas() -> Vec<OrgSpec> {
    vec![
        OrgSpec {
            id: "xaa",
            kind: "member_state",
            groups: &["ecowas", "au"],
            sharing: Some("xaa"),
            subscribe: &[],
        },
        OrgSpec {
            id: "ecowas",
            kind: "regional_body",
            groups: &["au", "ecowas"],
            sharing: Some("ecowas"),
            subscribe: &["xaa"],
        },
    ]
}

/// XAA → ECOWAS → AU → UN HQ, each subscribing to the one before, and every
/// node sharing by its example policy.
pub fn chain() -> Vec<OrgSpec> {
    vec![
        OrgSpec {
            id: "xaa",
            kind: "member_state",
            groups: &["ecowas", "au"],
            sharing: Some("xaa"),
            subscribe: &["ecowas"],
        },
        OrgSpec {
            id: "ecowas",
            kind: "regional_body",
            groups: &["au", "ecowas"],
            sharing: Some("ecowas"),
            subscribe: &["xaa", "au"],
        },
        OrgSpec {
            id: "au",
            kind: "regional_body",
            groups: &["au"],
            sharing: Some("au"),
            subscribe: &["ecowas", "un-hq"],
        },
        OrgSpec {
            id: "un-hq",
            kind: "un_office",
            groups: &["un-system"],
            sharing: Some("un-hq"),
            subscribe: &["au"],
        },
    ]
}

/// The running federation; every node stops when it is dropped.
#[derive(Debug)]
pub struct LocalFederation {
    pub nodes: BTreeMap<String, TestNode>,
    pub files: TempDir,
}

fn policies() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/sharing")
}

impl LocalFederation {
    pub async fn start(specs: &[OrgSpec]) -> Result<Self> {
        Self::start_with_env(specs, &[]).await
    }

    /// `start`, with extra `TOCSIN_…` variables per organisation:
    /// `(organisation, name, value)`.
    pub async fn start_with_env(specs: &[OrgSpec], extra: &[(&str, &str, &str)]) -> Result<Self> {
        let files = tempfile::tempdir()?;
        let ca_dir = files.path().join("ca");
        let ca = tocsin_server::federation::pki::init_ca(&ca_dir, "Tocsin test federation CA")?;
        let mut directory = format!("ca_cert = {:?}\n", ca.cert.display().to_string());
        let mut env: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
        for spec in specs {
            let dir = files.path().join(spec.id);
            std::fs::create_dir_all(&dir)?;
            let key = NodeKey::generate()?.with_key_id(&format!("{}-test", spec.id))?;
            let key_path = dir.join("signing.pem");
            write_node_key(&key_path, &key)?;
            let hosts = ["localhost".to_owned(), "127.0.0.1".to_owned()];
            let cert = tocsin_server::federation::pki::issue(&ca_dir, spec.id, &dir, &hosts)?;
            let port = free_port()?;
            let groups: Vec<String> = spec.groups.iter().map(|g| format!("{g:?}")).collect();
            write!(
                directory,
                "\n[[organisation]]\nid = {id:?}\nname = {id:?}\nkind = {kind:?}\ngroups = [{groups}]\n\
                 endpoint = \"https://127.0.0.1:{port}\"\n[[organisation.key]]\nid = {kid:?}\n\
                 public_key = {pk:?}\nnot_before = 2020-01-01T00:00:00Z\n",
                id = spec.id,
                kind = spec.kind,
                groups = groups.join(", "),
                kid = key.key_id(),
                pk = key.public_key_base64(),
            )?;
            let mut vars = vec![
                ("TOCSIN_FEDERATION_LISTEN".to_owned(), format!("127.0.0.1:{port}")),
                (
                    "TOCSIN_FEDERATION_SIGNING_KEY".to_owned(),
                    key_path.display().to_string(),
                ),
                (
                    "TOCSIN_FEDERATION_SIGNING_KEY_ID".to_owned(),
                    key.key_id().to_owned(),
                ),
                (
                    "TOCSIN_FEDERATION_TLS_CERT".to_owned(),
                    cert.cert.display().to_string(),
                ),
                (
                    "TOCSIN_FEDERATION_TLS_KEY".to_owned(),
                    cert.key.display().to_string(),
                ),
                ("TOCSIN_FEDERATION_SUBSCRIBE".to_owned(), spec.subscribe.join(",")),
            ];
            if let Some(set) = spec.sharing {
                vars.push((
                    "TOCSIN_FEDERATION_SHARING_POLICY".to_owned(),
                    policies().join(set).display().to_string(),
                ));
            }
            env.insert(spec.id, vars);
        }
        let directory_path = files.path().join("directory.toml");
        std::fs::write(&directory_path, directory)?;
        let mut nodes = BTreeMap::new();
        for spec in specs {
            let mut vars = env.remove(spec.id).unwrap_or_default();
            vars.extend(
                extra
                    .iter()
                    .filter(|(org, _, _)| *org == spec.id)
                    .map(|(_, name, value)| ((*name).to_owned(), (*value).to_owned())),
            );
            vars.push((
                "TOCSIN_FEDERATION_DIRECTORY".to_owned(),
                directory_path.display().to_string(),
            ));
            let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let node = TestNode::start_with(spec.id, Issuer::Dev, &vars)
                .await
                .with_context(|| format!("starting node `{}`", spec.id))?;
            nodes.insert(spec.id.to_owned(), node);
        }
        Ok(Self { nodes, files })
    }

    pub fn node(&self, id: &str) -> Result<&TestNode> {
        self.nodes
            .get(id)
            .with_context(|| format!("no node `{id}` in this federation"))
    }

    /// Waits, without polling on a timer, until `org`'s inbox satisfies
    /// `done`; fails after `CONVERGENCE` with what the inbox held.
    pub async fn wait_for_inbox(
        &self,
        org: &str,
        done: impl Fn(&[InboxEntry]) -> bool,
    ) -> Result<Vec<InboxEntry>> {
        let running = self.node(org)?.running.as_ref().context("node stopped")?;
        let mut changes = running.inbox_changes().context("node does not federate")?;
        let wait = async {
            loop {
                changes.borrow_and_update();
                let inbox = running.store().inbox()?;
                if done(&inbox) {
                    return Ok::<_, anyhow::Error>(inbox);
                }
                changes.changed().await?;
            }
        };
        match tokio::time::timeout(CONVERGENCE, wait).await {
            Ok(result) => result,
            Err(_) => {
                let inbox = running.store().inbox()?;
                let held: Vec<String> = inbox
                    .iter()
                    .map(|e| format!("{} from {}", e.statement_id, e.received_from))
                    .collect();
                bail!("`{org}` did not converge within {CONVERGENCE:?}; its inbox holds {held:?}")
            }
        }
    }
}

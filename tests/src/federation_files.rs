//! The files of a test federation before any node runs: a federation CA,
//! each organisation's certificate and Ed25519 signing key, the directory
//! (with extra, e.g. revoked, keys where a test adds them) and each node's
//! `TOCSIN_…` configuration, so that a node can be started, stopped and
//! started again — in this process or as a child process — on the same ports.

use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tempfile::TempDir;
use tocsin_server::federation::directory::Directory;
use tocsin_server::federation::keys::{load_node_key, write_node_key};
use tocsin_server::federation::pki::{self, CertFiles};
use tocsin_server::model::signing::NodeKey;

use crate::federation::OrgSpec;
use crate::ports::free_port;

/// One organisation's files and its node's configuration.
#[derive(Debug, Clone)]
pub struct OrgFiles {
    pub id: String,
    /// The FederationService port its directory entry names.
    pub port: u16,
    pub signing_key: PathBuf,
    pub key_id: String,
    /// Its certificate from the federation CA, and the certificate's key.
    pub cert: CertFiles,
    /// `TOCSIN_FEDERATION_…` variables of its node (directory included).
    pub env: Vec<(String, String)>,
    entry: String,
}

/// A federation's files in a temporary directory, removed when dropped.
#[derive(Debug)]
pub struct FederationFiles {
    dir: TempDir,
    ca_dir: PathBuf,
    directory: PathBuf,
    orgs: Vec<OrgFiles>,
    /// Subscriber → peer → the port its directory names for that peer
    /// (see `route_through`).
    routes: BTreeMap<String, BTreeMap<String, u16>>,
}

/// The example sharing policies, `policies/sharing/<set>`.
pub fn sharing_policies(set: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../policies/sharing")
        .join(set)
}

impl FederationFiles {
    /// Creates the CA, every organisation's key and certificate, and the
    /// directory listing them all.
    pub fn create(specs: &[OrgSpec]) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let ca_dir = dir.path().join("ca");
        pki::init_ca(&ca_dir, "Tocsin test federation CA")?;
        let directory = dir.path().join("directory.toml");
        let mut orgs = Vec::new();
        for spec in specs {
            let org_dir = dir.path().join(spec.id);
            std::fs::create_dir_all(&org_dir)?;
            let key = NodeKey::generate()?.with_key_id(&format!("{}-test", spec.id))?;
            let signing_key = org_dir.join("signing.pem");
            write_node_key(&signing_key, &key)?;
            let hosts = ["localhost".to_owned(), "127.0.0.1".to_owned()];
            let cert = pki::issue(&ca_dir, spec.id, &org_dir, &hosts)?;
            let port = free_port()?;
            let groups: Vec<String> = spec.groups.iter().map(|g| format!("{g:?}")).collect();
            let mut entry = format!(
                "\n[[organisation]]\nid = {id:?}\nname = {id:?}\nkind = {kind:?}\ngroups = [{groups}]\n\
                 endpoint = \"https://127.0.0.1:{port}\"\n",
                id = spec.id,
                kind = spec.kind,
                groups = groups.join(", "),
            );
            key_entry(&mut entry, &key, None)?;
            let mut env = vec![
                ("TOCSIN_FEDERATION_DIRECTORY".to_owned(), shown(&directory)),
                ("TOCSIN_FEDERATION_LISTEN".to_owned(), format!("127.0.0.1:{port}")),
                ("TOCSIN_FEDERATION_SIGNING_KEY".to_owned(), shown(&signing_key)),
                (
                    "TOCSIN_FEDERATION_SIGNING_KEY_ID".to_owned(),
                    key.key_id().to_owned(),
                ),
                ("TOCSIN_FEDERATION_TLS_CERT".to_owned(), shown(&cert.cert)),
                ("TOCSIN_FEDERATION_TLS_KEY".to_owned(), shown(&cert.key)),
                ("TOCSIN_FEDERATION_SUBSCRIBE".to_owned(), spec.subscribe.join(",")),
            ];
            if let Some(set) = spec.sharing {
                env.push((
                    "TOCSIN_FEDERATION_SHARING_POLICY".to_owned(),
                    shown(&sharing_policies(set)),
                ));
            }
            orgs.push(OrgFiles {
                id: spec.id.to_owned(),
                port,
                signing_key,
                key_id: key.key_id().to_owned(),
                cert,
                env,
                entry,
            });
        }
        let files = Self {
            dir,
            ca_dir,
            directory,
            orgs,
            routes: BTreeMap::new(),
        };
        files.write_directory()?;
        Ok(files)
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The directory file every node reads.
    pub fn directory_path(&self) -> &Path {
        &self.directory
    }

    /// The CA's directory (`ca.crt`, `ca.key`), for issuing more certificates.
    pub fn ca_dir(&self) -> &Path {
        &self.ca_dir
    }

    /// The federation CA's certificate, PEM.
    pub fn ca_pem(&self) -> Result<String> {
        let path = self.ca_dir.join("ca.crt");
        std::fs::read_to_string(&path).with_context(|| format!("reading `{}`", path.display()))
    }

    /// The directory as the nodes load it.
    pub fn directory(&self) -> Result<Directory> {
        Ok(Directory::load(&self.directory)?)
    }

    pub fn org(&self, id: &str) -> Result<&OrgFiles> {
        self.orgs
            .iter()
            .find(|o| o.id == id)
            .with_context(|| format!("no organisation `{id}` in this federation"))
    }

    fn org_mut(&mut self, id: &str) -> Result<&mut OrgFiles> {
        self.orgs
            .iter_mut()
            .find(|o| o.id == id)
            .with_context(|| format!("no organisation `{id}` in this federation"))
    }

    /// The organisation's signing key, as its node loads it.
    pub fn signing_key(&self, id: &str) -> Result<NodeKey> {
        let org = self.org(id)?;
        Ok(load_node_key(&org.signing_key, Some(&org.key_id))?)
    }

    /// Sets (or replaces) one configuration variable of `org`'s node.
    pub fn set(&mut self, org: &str, name: &str, value: &str) -> Result<()> {
        let env = &mut self.org_mut(org)?.env;
        env.retain(|(k, _)| k != name);
        env.push((name.to_owned(), value.to_owned()));
        Ok(())
    }

    /// Lists another key for `org` in the directory, revoked at `revoked_at`
    /// (RFC 3339) if given, and rewrites the directory file.
    pub fn add_key(&mut self, org: &str, key: &NodeKey, revoked_at: Option<&str>) -> Result<()> {
        key_entry(&mut self.org_mut(org)?.entry, key, revoked_at)?;
        self.write_directory()
    }

    /// A certificate from this federation's CA for `org_id`, which need not
    /// be in the directory.
    pub fn issue(&self, org_id: &str) -> Result<CertFiles> {
        let out = self.dir.path().join("issued").join(org_id);
        let hosts = ["localhost".to_owned(), "127.0.0.1".to_owned()];
        Ok(pki::issue(&self.ca_dir, org_id, &out, &hosts)?)
    }

    /// Every variable a node of `org` needs, on `data_dir`, with loopback
    /// ports chosen by the system for its API and development issuer.
    pub fn node_env(&self, org: &str, data_dir: &Path) -> Result<Vec<(String, String)>> {
        let mut env = vec![
            ("TOCSIN_NODE_ORGANISATION".to_owned(), org.to_owned()),
            ("TOCSIN_NODE_DATA_DIR".to_owned(), shown(data_dir)),
            ("TOCSIN_API_LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
            (
                "TOCSIN_AUTH_DEV_ISSUER_LISTEN".to_owned(),
                "127.0.0.1:0".to_owned(),
            ),
        ];
        env.extend(self.org(org)?.env.iter().cloned());
        Ok(env)
    }

    /// Makes `subscriber`'s node reach `peer` at `127.0.0.1:port` (e.g. a
    /// fault proxy in front of it) while `peer` still listens on its own
    /// port: `subscriber` gets a directory of its own naming that endpoint.
    /// Takes effect when its node next starts.
    pub fn route_through(&mut self, subscriber: &str, peer: &str, port: u16) -> Result<()> {
        self.org(peer)?;
        let own = self.routed_directory(subscriber);
        self.set(subscriber, "TOCSIN_FEDERATION_DIRECTORY", &shown(&own))?;
        self.routes
            .entry(subscriber.to_owned())
            .or_default()
            .insert(peer.to_owned(), port);
        self.write_directory()
    }

    fn routed_directory(&self, subscriber: &str) -> PathBuf {
        self.dir.path().join(format!("directory-{subscriber}.toml"))
    }

    fn write_directory(&self) -> Result<()> {
        let ca = self.ca_dir.join(pki::CA_CERT_FILE);
        let mut text = format!("ca_cert = {:?}\n", shown(&ca));
        for org in &self.orgs {
            text.push_str(&org.entry);
        }
        std::fs::write(&self.directory, text)?;
        for (subscriber, routes) in &self.routes {
            let mut text = format!("ca_cert = {:?}\n", shown(&ca));
            for org in &self.orgs {
                match routes.get(&org.id) {
                    Some(port) => text.push_str(&org.entry.replace(
                        &format!("endpoint = \"https://127.0.0.1:{}\"", org.port),
                        &format!("endpoint = \"https://127.0.0.1:{port}\""),
                    )),
                    None => text.push_str(&org.entry),
                }
            }
            std::fs::write(self.routed_directory(subscriber), text)?;
        }
        Ok(())
    }
}

fn key_entry(entry: &mut String, key: &NodeKey, revoked_at: Option<&str>) -> Result<()> {
    write!(
        entry,
        "[[organisation.key]]\nid = {:?}\npublic_key = {:?}\nnot_before = 2020-01-01T00:00:00Z\n",
        key.key_id(),
        key.public_key_base64()
    )?;
    if let Some(at) = revoked_at {
        writeln!(entry, "revoked_at = {at}")?;
    }
    Ok(())
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

//! The files of a local demonstration federation: a federation CA, each
//! organisation's certificate and signing key, the directory, the example
//! sharing policies and one node configuration per organisation. Made once;
//! a later run reuses them, and the nodes' data.

use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::federation::keys::write_node_key;
use crate::federation::pki;
use crate::model::signing::NodeKey;

/// One organisation of the demonstration.
#[derive(Debug, Clone, Copy)]
pub(super) struct DemoOrg {
    pub(super) id: &'static str,
    pub(super) name: &'static str,
    pub(super) kind: &'static str,
    pub(super) groups: &'static [&'static str],
    pub(super) subscribe: &'static [&'static str],
    pub(super) sharing: &'static str,
    pub(super) sample_data: bool,
}

/// XAA → ECOWAS → AU → UN headquarters: each node subscribes to its
/// neighbours in the chain.
pub(super) const ORGS: [DemoOrg; 4] = [
    DemoOrg {
        id: "xaa",
        name: "XAA national focal point (fictional)",
        kind: "member_state",
        groups: &["ecowas", "au"],
        subscribe: &["ecowas"],
        sharing: include_str!("../../../policies/sharing/xaa/sharing.cedar"),
        sample_data: true,
    },
    DemoOrg {
        id: "ecowas",
        name: "ECOWAS Commission early warning directorate",
        kind: "regional_body",
        groups: &["au", "ecowas"],
        subscribe: &["xaa", "au"],
        sharing: include_str!("../../../policies/sharing/ecowas/sharing.cedar"),
        sample_data: false,
    },
    DemoOrg {
        id: "au",
        name: "African Union Continental Early Warning System",
        kind: "regional_body",
        groups: &["au"],
        subscribe: &["ecowas", "un-hq"],
        sharing: include_str!("../../../policies/sharing/au/sharing.cedar"),
        sample_data: false,
    },
    DemoOrg {
        id: "un-hq",
        name: "UN Office on Genocide Prevention and the Responsibility to Protect",
        kind: "un_office",
        groups: &["un-system"],
        subscribe: &["au"],
        sharing: include_str!("../../../policies/sharing/un-hq/sharing.cedar"),
        sample_data: false,
    },
];

/// The ports of organisation number `index`: API, development issuer,
/// federation.
pub(super) fn ports(base: u16, index: usize) -> (u16, u16, u16) {
    let first = base + 10 * u16::try_from(index).unwrap_or(0);
    (first, first + 1, first + 2)
}

/// Writes the demonstration's files under `dir` unless they exist; returns
/// each organisation's configuration file.
pub(super) fn prepare(dir: &Path, base_port: u16) -> Result<Vec<PathBuf>> {
    let directory_path = dir.join("directory.toml");
    let configs: Vec<PathBuf> = ORGS.iter().map(|o| dir.join(o.id).join("node.toml")).collect();
    if directory_path.exists() && configs.iter().all(|c| c.exists()) {
        return Ok(configs);
    }
    let started = dir.read_dir().map(|mut d| d.next().is_some()).unwrap_or(false);
    if started {
        anyhow::bail!(
            "`{}` holds an incomplete demonstration federation: remove it and run again",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    // Absolute paths, so the configurations work from any directory.
    let dir = &dir
        .canonicalize()
        .with_context(|| format!("cannot resolve `{}`", dir.display()))?;
    let directory_path = dir.join("directory.toml");
    let configs: Vec<PathBuf> = ORGS.iter().map(|o| dir.join(o.id).join("node.toml")).collect();
    let ca_dir = dir.join("ca");
    let ca = pki::init_ca(&ca_dir, "Tocsin demonstration federation CA")?;
    let mut directory = format!(
        "# The demonstration federation: who is who, where, and which keys sign for them.\nca_cert = {:?}\n",
        ca.cert.display().to_string()
    );
    for (index, org) in ORGS.iter().enumerate() {
        let org_dir = dir.join(org.id);
        std::fs::create_dir_all(org_dir.join("sharing"))?;
        std::fs::write(org_dir.join("sharing/sharing.cedar"), org.sharing)?;
        let key = NodeKey::generate()?.with_key_id(&format!("{}-demo", org.id))?;
        let key_path = org_dir.join("signing.pem");
        write_node_key(&key_path, &key)?;
        let cert = pki::issue(
            &ca_dir,
            org.id,
            &org_dir,
            &["localhost".to_owned(), "127.0.0.1".to_owned()],
        )?;
        let (api, dev, fed) = ports(base_port, index);
        let groups: Vec<String> = org.groups.iter().map(|g| format!("{g:?}")).collect();
        write!(
            directory,
            "\n[[organisation]]\nid = {id:?}\nname = {name:?}\nkind = {kind:?}\ngroups = [{groups}]\n\
             endpoint = \"https://127.0.0.1:{fed}\"\n[[organisation.key]]\nid = {kid:?}\n\
             public_key = {pk:?}\nnot_before = 2020-01-01T00:00:00Z\n",
            id = org.id,
            name = org.name,
            kind = org.kind,
            groups = groups.join(", "),
            kid = key.key_id(),
            pk = key.public_key_base64(),
        )?;
        let subscribe: Vec<String> = org.subscribe.iter().map(|s| format!("{s:?}")).collect();
        let config = format!(
            "# Node of {name}, in the demonstration federation.\n\n\
             [node]\norganisation = {id:?}\ndata_dir = {data:?}\nsample_data = {sample}\n\n\
             [api]\nlisten = \"127.0.0.1:{api}\"\n\n\
             [auth]\ndev_issuer_listen = \"127.0.0.1:{dev}\"\n\n\
             [federation]\ndirectory = {directory:?}\nlisten = \"127.0.0.1:{fed}\"\n\
             signing_key = {key:?}\nsigning_key_id = {kid:?}\ntls_cert = {cert:?}\ntls_key = {cert_key:?}\n\
             sharing_policy = {sharing:?}\nsubscribe = [{subscribe}]\n",
            name = org.name,
            id = org.id,
            data = org_dir.join("data").display().to_string(),
            sample = org.sample_data,
            directory = directory_path.display().to_string(),
            key = key_path.display().to_string(),
            kid = key.key_id(),
            cert = cert.cert.display().to_string(),
            cert_key = cert.key.display().to_string(),
            sharing = org_dir.join("sharing").display().to_string(),
            subscribe = subscribe.join(", "),
        );
        std::fs::write(&configs[index], config)?;
    }
    std::fs::write(&directory_path, directory)?;
    Ok(configs)
}

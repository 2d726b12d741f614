//! medallion's side of the `taxii` scenario: installs the pinned server
//! into a virtual environment, runs it on a loopback port with the
//! committed memory-backend configuration, adds STIX objects in batches
//! and pages them back over TAXII 2.1.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

use super::taxii::{BATCH, Timings, narrative};
use crate::ports::free_port;

/// The medallion release pinned in `tests/bench/taxii/requirements.txt`.
pub const VERSION: &str = "3.0.0";
/// The user of `config.json`.
const USER: (&str, &str) = ("bench", "tocsin-bench");
/// The API root and collection of `data.json`.
const OBJECTS: &str = "/bench/collections/2c6e0b3e-6f44-4a4b-8a43-6f1a3c4e9b10/objects/";
const TAXII: &str = "application/taxii+json;version=2.1";
/// Longest medallion may take to answer its discovery endpoint.
const START: Duration = Duration::from_secs(30);
/// Longest one request may take (its first page of 10,000 objects takes
/// medallion minutes).
const REQUEST: Duration = Duration::from_secs(1800);

/// `tests/bench/taxii`: requirements, configuration and data.
fn files() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/taxii")
}

/// `target/bench/medallion-venv` of the workspace.
fn venv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench/medallion-venv")
}

/// Creates the virtual environment and installs the pinned requirements
/// unless it already holds them; returns its directory.
pub async fn install() -> Result<PathBuf> {
    let venv = venv();
    let requirements = files().join("requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)
        .with_context(|| format!("reading `{}`", requirements.display()))?;
    let marker = venv.join("tocsin-requirements.txt");
    if venv.join("bin/medallion").is_file() && std::fs::read_to_string(&marker).ok() == Some(wanted.clone()) {
        return Ok(venv);
    }
    println!("  taxii: installing medallion {VERSION} into {}", venv.display());
    run(
        Command::new("python3").args(["-m", "venv", "--clear"]).arg(&venv),
        "cannot create a Python virtual environment: the taxii scenario needs `python3` \
         with its `venv` module and pip (on Debian or Ubuntu: apt-get install python3 \
         python3-venv python3-pip)",
    )
    .await?;
    run(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements),
        &format!(
            "cannot install medallion {VERSION} from `{}` with pip (is PyPI reachable?)",
            requirements.display()
        ),
    )
    .await?;
    std::fs::write(&marker, wanted)?;
    Ok(venv)
}

async fn run(command: &mut Command, missing: &str) -> Result<()> {
    let output = command.output().await.context(missing.to_owned())?;
    if !output.status.success() {
        bail!(
            "{missing}:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// A STIX 2.1 `report` standing for assessment `index`: the same text as
/// Tocsin's narrative, a TLP:GREEN marking, deterministic ids and times.
pub fn object(index: usize) -> Value {
    let at = format!(
        "2026-01-01T{:02}:{:02}:{:02}.000Z",
        index / 3600 % 24,
        index / 60 % 60,
        index % 60
    );
    json!({
        "type": "report",
        "spec_version": "2.1",
        "id": format!("report--6d5b7a1e-3c1f-4b6e-9a57-{index:012x}"),
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": at,
        "modified": at,
        "published": at,
        "name": format!("Northern XAA: high risk, deteriorated (assessment {index})"),
        "description": narrative(index),
        "report_types": ["threat-report"],
        "labels": ["risk:high", "trend:deteriorated", "confidence:medium", "horizon:6-months"],
        "object_refs": ["location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64"],
        "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]
    })
}

/// One medallion process on a loopback port; killed when dropped.
struct Medallion {
    child: Child,
    base: String,
    http: reqwest::Client,
    log: PathBuf,
}

impl Medallion {
    async fn start(venv: &Path) -> Result<Self> {
        let port = free_port()?;
        let log = venv.with_file_name("medallion.log");
        let out = std::fs::File::create(&log).with_context(|| format!("creating `{}`", log.display()))?;
        let child = Command::new(venv.join("bin/medallion"))
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--log-level",
                "WARN",
            ])
            .arg("config.json")
            .current_dir(files())
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .kill_on_drop(true)
            .spawn()
            .context("cannot run medallion from its virtual environment")?;
        let http = reqwest::Client::builder().timeout(REQUEST).build()?;
        let mut server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http,
            log,
        };
        server.ready().await?;
        Ok(server)
    }

    /// Polls the discovery endpoint until it answers, for at most `START`.
    async fn ready(&mut self) -> Result<()> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "medallion exited ({status}) before it served; see `{}`",
                    self.log.display()
                );
            }
            if let Ok(discovery) = self.get("/taxii2/").await
                && discovery["api_roots"].is_array()
            {
                return Ok(());
            }
            if started.elapsed() > START {
                bail!(
                    "medallion did not answer its discovery endpoint within {START:?}; see `{}`",
                    self.log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn get(&self, path: &str) -> Result<Value> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .basic_auth(USER.0, Some(USER.1))
            .header("Accept", TAXII)
            .send()
            .await?;
        json_of(response, 200).await
    }

    /// Adds one envelope; returns its status resource once it is complete.
    async fn add(&self, body: Vec<u8>) -> Result<Value> {
        let response = self
            .http
            .post(format!("{}{OBJECTS}", self.base))
            .basic_auth(USER.0, Some(USER.1))
            .header("Accept", TAXII)
            .header("Content-Type", TAXII)
            .body(body)
            .send()
            .await?;
        let mut status = json_of(response, 202).await?;
        let started = Instant::now();
        while status["status"] != "complete" {
            if started.elapsed() > REQUEST {
                bail!("medallion's add is still {} after {REQUEST:?}", status["status"]);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            let id = status["id"].as_str().context("a status resource without `id`")?;
            status = self.get(&format!("/bench/status/{id}/")).await?;
        }
        Ok(status)
    }

    async fn stop(mut self) -> Result<()> {
        self.child.kill().await?;
        Ok(())
    }
}

async fn json_of(response: reqwest::Response, expected: u16) -> Result<Value> {
    let status = response.status().as_u16();
    let bytes = response.bytes().await?;
    if status != expected {
        bail!("medallion answered {status}: {}", String::from_utf8_lossy(&bytes));
    }
    Ok(serde_json::from_slice(&bytes)?)
}

/// Starts a fresh medallion, adds `objects` objects in envelopes of
/// `BATCH` (serialised before the clock), pages them back, stops it.
pub async fn round(venv: &Path, objects: usize) -> Result<Timings> {
    let server = Medallion::start(venv).await?;
    let bodies: Vec<Vec<u8>> = (0..objects)
        .collect::<Vec<_>>()
        .chunks(BATCH)
        .map(|chunk| {
            serde_json::to_vec(&json!({"objects": chunk.iter().map(|&i| object(i)).collect::<Vec<_>>()}))
        })
        .collect::<Result<_, _>>()?;
    let object_bytes = bodies.iter().map(Vec::len).sum::<usize>() / objects.max(1);

    let started = Instant::now();
    let mut added = 0;
    for body in bodies {
        let status = server.add(body).await?;
        added += status["success_count"].as_u64().unwrap_or(0) as usize;
        if status["failure_count"].as_u64().unwrap_or(0) > 0 {
            bail!("medallion refused objects: {status}");
        }
    }
    let add = started.elapsed();
    if added != objects {
        bail!("medallion reported {added} of {objects} objects added");
    }

    let started = Instant::now();
    let mut ids = BTreeSet::new();
    let mut page = server.get(&format!("{OBJECTS}?limit={BATCH}")).await?;
    loop {
        for object in page["objects"].as_array().into_iter().flatten() {
            ids.insert(object["id"].as_str().unwrap_or_default().to_owned());
        }
        if page["more"] != true {
            break;
        }
        let next = page["next"].as_str().context("`more` without `next`")?;
        page = server
            .get(&format!("{OBJECTS}?limit={BATCH}&next={next}"))
            .await?;
    }
    let page = started.elapsed();
    server.stop().await?;
    if ids.len() != objects {
        bail!("medallion paged back {} of {objects} objects", ids.len());
    }
    Ok(Timings {
        objects,
        add,
        page,
        object_bytes,
    })
}

//! Starting the federation side of a node: directory, signing key, sharing
//! policy and its epoch, the FederationService on its own port with mutual
//! TLS, the projector and one subscription task per peer.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tocsin_proto::v1::federation_service_server::FederationServiceServer;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Certificate, Identity, ServerTlsConfig};

use crate::config::FederationSection;
use crate::federation::directory::Directory;
use crate::federation::keys::load_node_key;
use crate::federation::projector;
use crate::federation::received;
use crate::federation::serve::FederationApi;
use crate::federation::sharing_files::load_sharing;
use crate::federation::state::FederationState;
use crate::federation::subscriber::{self, ClientTls};
use crate::federation::withdraw::retract_withdrawn;
use crate::model::reference::ReferenceData;
use crate::node::StartError;
use crate::store::Store;

/// The running federation tasks of a node.
#[derive(Debug)]
pub(super) struct Federating {
    pub(super) addr: SocketAddr,
    pub(super) state: FederationState,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Federating {
    pub(super) async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

fn read(path: &Path) -> Result<String, StartError> {
    std::fs::read_to_string(path).map_err(|source| StartError::ReferenceFile {
        path: path.to_owned(),
        source,
    })
}

pub(super) async fn start(
    config: &FederationSection,
    organisation: &str,
    store: &Store,
    reference: Arc<ReferenceData>,
    published: Arc<Notify>,
) -> Result<Federating, StartError> {
    let fed_err = |m: String| StartError::Federation(m);
    let directory = Directory::load(&config.directory).map_err(|e| fed_err(e.to_string()))?;
    let me = directory.organisation(organisation).ok_or_else(|| {
        fed_err(format!(
            "organisation `{organisation}` is not in the directory `{}`",
            config.directory.display()
        ))
    })?;
    let key_id = (!config.signing_key_id.is_empty()).then_some(config.signing_key_id.as_str());
    let key = load_node_key(&config.signing_key, key_id).map_err(|e| fed_err(e.to_string()))?;
    if !me.keys.iter().any(|k| k.id == key.key_id()) {
        return Err(fed_err(format!(
            "signing key `{}` is not listed for `{organisation}` in the directory",
            key.key_id()
        )));
    }
    let (sharing, fingerprint) = load_sharing(&config.sharing_policy)?;
    let epoch = store.sharing_epoch(&fingerprint).await?;
    let ca_path = if config.ca_cert.as_os_str().is_empty() {
        directory.ca_cert().map(Path::to_path_buf).ok_or_else(|| {
            fed_err("no federation CA: set `federation.ca_cert` or `ca_cert` in the directory".into())
        })?
    } else {
        config.ca_cert.clone()
    };
    let tls = ClientTls {
        ca_pem: read(&ca_path)?,
        cert_pem: read(&config.tls_cert)?,
        key_pem: read(&config.tls_key)?,
    };
    let state = FederationState::new(
        organisation.to_owned(),
        store.clone(),
        Arc::new(directory),
        Arc::new(key),
        sharing,
        reference,
        epoch,
        config.hop_limit,
        config.max_message_bytes,
    )
    .with_sharing_dir(config.sharing_policy.clone());

    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: config.listen,
        source,
    })?;
    let server_tls = super::limits::tls(
        ServerTlsConfig::new()
            .identity(Identity::from_pem(&tls.cert_pem, &tls.key_pem))
            .client_ca_root(Certificate::from_pem(&tls.ca_pem)),
    );
    let (stop, stopped) = watch::channel(false);
    let mut server_stop = stopped.clone();
    let service = FederationServiceServer::new(FederationApi::new(state.clone(), stopped.clone()))
        .max_decoding_message_size(64 * 1024);
    let router = super::limits::server()
        .tls_config(server_tls)
        .map_err(|e| StartError::Serve(e.to_string()))?
        .add_service(service);
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let mut tasks = vec![tokio::spawn(async move {
        let shutdown = async move {
            let _ = server_stop.wait_for(|stop| *stop).await;
        };
        if let Err(e) = router.serve_with_incoming_shutdown(incoming, shutdown).await {
            tracing::error!(error = %e, "federation server failed");
        }
    })];
    // Finish any retraction a crash interrupted before sharing anything new.
    let retracted = retract_withdrawn(&state).await?;
    if retracted > 0 {
        tracing::info!(
            versions = retracted,
            "retracted withdrawn versions left from before a restart"
        );
    }
    tasks.push(tokio::spawn(projector::run(
        state.clone(),
        published,
        stopped.clone(),
    )));
    for peer in &config.subscribe {
        tasks.push(tokio::spawn(subscriber::run(
            state.clone(),
            tls.clone(),
            peer.clone(),
            stopped.clone(),
        )));
    }
    // Read now what the overview needs of the inbox, rather than when the
    // first person opens a page (the store's reads are blocking).
    let warming = state.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = received::warm(&warming) {
            tracing::warn!(error = %e, "received summaries will be read by the first view");
        }
    });
    tracing::info!(%addr, epoch, peers = ?config.subscribe, "federation serving");
    Ok(Federating {
        addr,
        state,
        stop,
        tasks,
    })
}

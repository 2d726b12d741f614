//! Wiring: builds a node from its configuration, serves its API, and stops
//! it cleanly. Start-up fails early, naming what is wrong; nothing is
//! served until every check has passed.

mod federate;
mod limits;
mod sample;
mod warn;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use tocsin_proto::v1::node_service_server::NodeServiceServer;
use tocsin_proto::v1::subscription_service_server::SubscriptionServiceServer;
use tocsin_proto::v1::warning_service_server::WarningServiceServer;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Identity, ServerTlsConfig};

use crate::api::{NodeApi, SubscriptionApi, WarningApi};
use crate::assessments::Assessments;
use crate::auth::{DevIssuer, DevIssuerSettings, OidcSettings, RunningDevIssuer, TokenVerifier};
use crate::config::Config;
use crate::model::reference::ReferenceData;
use crate::policy::AccessPolicy;
use crate::store::Store;
use crate::tls::TlsIdentity;

/// Largest request a client may send to the node API.
const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create data directory `{path}`: {source}")]
    DataDir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read reference data file `{path}`: {source}")]
    ReferenceFile {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("reference data: {0}")]
    Reference(String),
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    #[error("warnings: {0}")]
    Warnings(String),
    #[error("sharing policy: {0}")]
    Sharing(#[from] crate::federation::sharing_files::SharingFileError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    #[error(transparent)]
    Auth(#[from] crate::auth::AuthError),
    #[error("sample data: {0}")]
    Sample(String),
    #[error("federation: {0}")]
    Federation(String),
    #[error("cannot set up the api server: {0}")]
    Serve(String),
    #[error("cannot listen on `{addr}`: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A node that is serving. Dropping it does not stop it: call `shutdown`.
#[derive(Debug)]
pub struct RunningNode {
    pub api_addr: SocketAddr,
    pub fingerprint: String,
    pub self_signed: bool,
    /// The loopback development issuer, when no issuer is configured.
    pub dev_issuer: Option<String>,
    pub issuer: String,
    /// The FederationService address, when the node federates.
    pub federation_addr: Option<SocketAddr>,
    /// The HTTPS address of the Atom feed of TLP:CLEAR warnings, when served.
    pub feed_addr: Option<SocketAddr>,
    /// The HTTPS address of the web interface, when served.
    pub web_addr: Option<SocketAddr>,
    store: Store,
    stop: oneshot::Sender<()>,
    server: JoinHandle<Result<(), tonic::transport::Error>>,
    dev: Option<RunningDevIssuer>,
    federating: Option<federate::Federating>,
    warning_side: warn::WarningSide,
}

impl RunningNode {
    /// The node's store, for inspection by tools and tests.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Reloads the sharing policy (SIGHUP, the admin RPC); returns the epoch
    /// in force. An invalid policy is refused, naming file and position, and
    /// the one in force stays.
    pub async fn reload_sharing_policy(&self) -> Result<u64, StartError> {
        match &self.federating {
            Some(federating) => {
                Ok(crate::federation::sharing_files::reload_sharing(&federating.state, "node").await?)
            }
            None => Err(StartError::Federation("this node does not federate".into())),
        }
    }

    /// The node's warnings, for in-process tools such as the demonstration.
    pub fn warnings(&self) -> &crate::warnings::Warnings {
        &self.warning_side.warnings
    }

    /// Changes whenever the node stores a statement from a peer.
    pub fn inbox_changes(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        self.federating.as_ref().map(|f| f.state.inbox_changes())
    }

    /// Holds the outbox's last sequence number; changes whenever the outbox
    /// grows (a published assessment projected, a statement to relay).
    pub fn outbox_changes(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        self.federating.as_ref().map(|f| f.state.outbox_changes())
    }

    /// Stops accepting calls, lets running calls finish, and flushes.
    pub async fn shutdown(self) -> Result<(), tonic::transport::Error> {
        self.warning_side.end_streams();
        let _ = self.stop.send(());
        let served = self.server.await;
        self.warning_side.stop().await;
        if let Some(federating) = self.federating {
            federating.stop().await;
        }
        if let Some(dev) = self.dev {
            dev.shutdown().await;
        }
        match served {
            Ok(result) => result,
            Err(join) => {
                tracing::error!(error = %join, "api server task failed");
                Ok(())
            }
        }
    }
}

/// Builds and starts a node.
pub async fn start(config: &Config) -> Result<RunningNode, StartError> {
    let data_dir = &config.node.data_dir;
    std::fs::create_dir_all(data_dir).map_err(|source| StartError::DataDir {
        path: data_dir.clone(),
        source,
    })?;
    let reference = Arc::new(reference_data(config)?);
    let policy = Arc::new(if config.policy.dir.as_os_str().is_empty() {
        AccessPolicy::embedded()?
    } else {
        AccessPolicy::load(&config.policy.dir)?
    });
    let store = Store::open_with_cache(&data_dir.join("store"), config.node.store_cache_mib)?;
    let organisation = &config.node.organisation;
    if config.node.sample_data {
        let loaded = sample::load(&store, &reference, organisation)
            .await
            .map_err(StartError::Sample)?;
        if loaded > 0 {
            tracing::info!(assessments = loaded, "sample data loaded");
        }
    }
    let identity = TlsIdentity::load_or_generate(data_dir, &config.api.tls_cert, &config.api.tls_key)?;

    let (issuer, dev) = if config.auth.issuer.is_empty() {
        let settings = DevIssuerSettings {
            audience: config.auth.audience.clone(),
            role_claim: config.auth.role_claim.clone(),
            key_path: Some(data_dir.join("dev-issuer.key")),
            ..DevIssuerSettings::default()
        };
        let dev = DevIssuer::start(config.auth.dev_issuer_listen, settings).await?;
        (dev.issuer_url().to_owned(), Some(dev))
    } else {
        (config.auth.issuer.clone(), None)
    };
    let verifier = Arc::new(
        TokenVerifier::discover(OidcSettings {
            role_claim: config.auth.role_claim.clone(),
            role_map: config.role_map(),
            ..OidcSettings::new(&issuer, &config.auth.audience, organisation)
        })
        .await?,
    );

    let assessments = Assessments::new(store.clone(), reference.clone(), policy, organisation);
    let federating = if config.federation.enabled() {
        let published = assessments.published_signal();
        Some(
            federate::start(
                &config.federation,
                organisation,
                &store,
                reference.clone(),
                published,
            )
            .await?,
        )
    } else {
        None
    };
    let mut warning_side = warn::start(
        &config.warnings,
        &config.webhooks,
        &store,
        reference,
        &assessments,
        organisation,
        federating.as_ref().map(|f| &f.state),
    )?;
    let name = federating
        .as_ref()
        .and_then(|f| {
            f.state
                .directory
                .organisation(organisation)
                .map(|o| o.name.clone())
        })
        .unwrap_or_else(|| organisation.clone());
    warning_side
        .serve_feed(&config.feed, &identity, &store, organisation, name)
        .await?;
    let listener = TcpListener::bind(config.api.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.api.listen,
            source,
        })?;
    let api_addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: config.api.listen,
        source,
    })?;
    let web_addr = match config.web.addr(config.api.listen, config.auth.issuer.is_empty()) {
        Some(listen) => Some(
            warning_side
                .serve_web(
                    crate::web::WebSettings {
                        listen,
                        session_idle: config.web.session_idle.to_std().unwrap_or_default(),
                        issuer: issuer.clone(),
                        client_id: config.auth.audience.clone(),
                    },
                    crate::web::WebServices {
                        assessments: assessments.clone(),
                        warnings: warning_side.warnings.clone(),
                        verifier: verifier.clone(),
                        federation: federating.as_ref().map(|f| f.state.clone()),
                    },
                    &identity,
                )
                .await?,
        ),
        None => None,
    };
    let (stop, stopped) = oneshot::channel();
    let assessments_for_subscriptions = assessments.clone();
    let api = NodeApi::new(assessments, federating.as_ref().map(|f| f.state.clone()));
    let warning_api = WarningApi::new(
        warning_side.warnings.clone(),
        warning_side.subscriptions.clone(),
        warning_side.stopping(),
    );
    let subscription_api = SubscriptionApi::new(
        assessments_for_subscriptions,
        warning_side.subscriptions.clone(),
        warning_side.webhooks.clone(),
    );
    let server = tokio::spawn(
        serve(
            listener,
            &identity,
            verifier,
            api,
            (warning_api, subscription_api),
            stopped,
        )
        .await?,
    );
    tracing::info!(addr = %api_addr, fingerprint = %identity.fingerprint, %issuer, "node api serving");
    if let Some(addr) = web_addr {
        tracing::info!(url = %format!("https://{addr}/"), "web interface serving");
    }
    Ok(RunningNode {
        api_addr,
        fingerprint: identity.fingerprint.clone(),
        self_signed: identity.self_signed,
        dev_issuer: dev.as_ref().map(|d| d.issuer_url().to_owned()),
        issuer,
        federation_addr: federating.as_ref().map(|f| f.addr),
        feed_addr: warning_side.feed_addr,
        web_addr,
        store,
        stop,
        server,
        dev,
        federating,
        warning_side,
    })
}

/// The future that serves the API until `stopped` fires.
async fn serve(
    listener: TcpListener,
    identity: &TlsIdentity,
    verifier: Arc<TokenVerifier>,
    api: NodeApi,
    (warning_api, subscription_api): (WarningApi, SubscriptionApi),
    stopped: oneshot::Receiver<()>,
) -> Result<impl std::future::Future<Output = Result<(), tonic::transport::Error>> + use<>, StartError> {
    let (health_reporter, health) = tonic_health::server::health_reporter();
    health_reporter.set_serving::<NodeServiceServer<NodeApi>>().await;
    health_reporter
        .set_serving::<WarningServiceServer<WarningApi>>()
        .await;
    health_reporter
        .set_serving::<SubscriptionServiceServer<SubscriptionApi>>()
        .await;
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(tocsin_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection()
        .build_v1()
        .map_err(|e| StartError::Serve(e.to_string()))?;
    let reflection_v1alpha = reflection()
        .build_v1alpha()
        .map_err(|e| StartError::Serve(e.to_string()))?;
    let tls = limits::tls(
        ServerTlsConfig::new().identity(Identity::from_pem(&identity.cert_pem, &identity.key_pem)),
    );
    let audit_api = crate::api::AuditApi::for_node(&api);
    let node = NodeServiceServer::new(api).max_decoding_message_size(MAX_REQUEST_BYTES);
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let router = limits::server()
        .tls_config(tls)
        .map_err(|e| StartError::Serve(e.to_string()))?
        .layer(audit_api.authn(verifier))
        .add_service(health)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(tocsin_proto::v1::audit_service_server::AuditServiceServer::new(
            audit_api,
        ))
        .add_service(node)
        .add_service(WarningServiceServer::new(warning_api).max_decoding_message_size(MAX_REQUEST_BYTES))
        .add_service(
            SubscriptionServiceServer::new(subscription_api).max_decoding_message_size(MAX_REQUEST_BYTES),
        );
    Ok(router.serve_with_incoming_shutdown(incoming, async {
        let _ = stopped.await;
    }))
}

fn reference_data(config: &Config) -> Result<ReferenceData, StartError> {
    let read = |path: &Path| -> Result<Option<String>, StartError> {
        if path.as_os_str().is_empty() {
            return Ok(None);
        }
        std::fs::read_to_string(path)
            .map(Some)
            .map_err(|source| StartError::ReferenceFile {
                path: path.to_owned(),
                source,
            })
    };
    let r = &config.reference;
    let (catalogue, countries, memberships) =
        (read(&r.catalogue)?, read(&r.countries)?, read(&r.memberships)?);
    ReferenceData::from_texts(catalogue.as_deref(), countries.as_deref(), memberships.as_deref())
        .map_err(|e| StartError::Reference(e.to_string()))
}

//! Starting the warning side of a node: the `Warnings` service, and its
//! tasks — folding in what peers say about warnings, escalating what is
//! late, proposing warnings when thresholds are crossed, notifying webhook
//! subscribers — and the Atom feed
//! of its TLP:CLEAR warnings, when configured.

use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::assessments::Assessments;
use crate::config::{FeedSection, WarningsSection, WebhooksSection};
use crate::federation::state::FederationState;
use crate::feed::serve_feed;
use crate::model::audit::{AuditEvent, AuditKind};
use crate::model::reference::ReferenceData;
use crate::node::StartError;
use crate::store::Store;
use crate::tls::TlsIdentity;
use crate::warnings::notify;
use crate::warnings::subscriptions::Subscriptions;
use crate::warnings::webhook::{WebhookEvent, Webhooks};
use crate::warnings::{Warnings, run_escalator, run_folding, run_proposer};

/// The running warning side of a node.
#[derive(Debug)]
pub(super) struct WarningSide {
    pub(super) warnings: Warnings,
    pub(super) subscriptions: Subscriptions,
    pub(super) webhooks: Webhooks,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    /// Where the Atom feed is served, when it is.
    pub(super) feed_addr: Option<SocketAddr>,
}

impl WarningSide {
    /// Turns true when the node stops (open warning streams end then).
    pub(super) fn stopping(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// Ends open streams and stops the tasks.
    pub(super) async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }

    /// Ends open streams, so that the API server can stop.
    pub(super) fn end_streams(&self) {
        let _ = self.stop.send(true);
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn start(
    settings: &WarningsSection,
    webhook_settings: &WebhooksSection,
    store: &Store,
    reference: Arc<ReferenceData>,
    assessments: &Assessments,
    organisation: &str,
    federation: Option<&FederationState>,
) -> Result<WarningSide, StartError> {
    settings
        .validate_thresholds(&reference)
        .map_err(|(key, message)| StartError::Warnings(format!("`{key}`: {message}")))?;
    let subscriptions = Subscriptions::new(store.clone(), reference.clone());
    let extra_ca = if webhook_settings.ca_cert.as_os_str().is_empty() {
        None
    } else {
        Some(
            std::fs::read_to_string(&webhook_settings.ca_cert).map_err(|source| StartError::Read {
                path: webhook_settings.ca_cert.clone(),
                source,
            })?,
        )
    };
    let (webhook_events, dead_letters) = tokio::sync::mpsc::unbounded_channel();
    let webhooks = Webhooks::new(store.clone(), webhook_settings, extra_ca)
        .map_err(|e| StartError::Warnings(format!("webhooks: {e}")))?
        .with_events(webhook_events);
    let warnings = Warnings::new(
        store.clone(),
        reference,
        assessments.clone(),
        organisation,
        settings.clone(),
        federation.cloned(),
    );
    let (stop, stopped) = watch::channel(false);
    let mut tasks = vec![
        tokio::spawn(run_escalator(warnings.clone(), stopped.clone())),
        tokio::spawn(webhooks.clone().run(stopped.clone())),
        tokio::spawn(audit_dead_letters(
            store.clone(),
            organisation.to_owned(),
            dead_letters,
            stopped.clone(),
        )),
        tokio::spawn(notify::run(
            warnings.clone(),
            subscriptions.clone(),
            webhooks.clone(),
            stopped.clone(),
        )),
        tokio::spawn(run_proposer(
            warnings.clone(),
            assessments.proposal_signal(),
            stopped.clone(),
        )),
    ];
    if let Some(state) = federation {
        tasks.push(tokio::spawn(run_folding(
            warnings.clone(),
            state.clone(),
            stopped,
        )));
    }
    Ok(WarningSide {
        warnings,
        subscriptions,
        webhooks,
        stop,
        tasks,
        feed_addr: None,
    })
}

impl WarningSide {
    /// Serves the Atom feed of this node's TLP:CLEAR warnings over HTTPS with
    /// the API's TLS identity, when `[feed] listen` is set.
    pub(super) async fn serve_feed(
        &mut self,
        settings: &FeedSection,
        identity: &TlsIdentity,
        store: &Store,
        organisation: &str,
        name: String,
    ) -> Result<(), StartError> {
        let Some(addr) = settings.addr() else {
            return Ok(());
        };
        let store = store.clone();
        let source = Arc::new(move || {
            store
                .warnings()
                .map(|all| all.into_iter().map(|s| s.warning).collect())
                .map_err(|e| e.to_string())
        });
        let (bound, task) = serve_feed(
            addr,
            &identity.cert_pem,
            &identity.key_pem,
            source,
            organisation.to_owned(),
            name,
            self.stopping(),
        )
        .await
        .map_err(|e| StartError::Warnings(format!("feed: {e}")))?;
        tracing::info!(addr = %bound, "atom feed serving");
        self.feed_addr = Some(bound);
        self.tasks.push(task);
        Ok(())
    }
}

impl WarningSide {
    /// Serves the web interface over HTTPS with the API's TLS identity;
    /// it stops with the warning side.
    pub(super) async fn serve_web(
        &mut self,
        settings: crate::web::WebSettings,
        services: crate::web::WebServices,
        identity: &TlsIdentity,
    ) -> Result<SocketAddr, StartError> {
        let (bound, task) = crate::web::serve_web(
            settings,
            services,
            &identity.cert_pem,
            &identity.key_pem,
            self.stopping(),
        )
        .await
        .map_err(|e| StartError::Serve(format!("web: {e}")))?;
        self.tasks.push(task);
        Ok(bound)
    }
}

/// Records every webhook notification that went to the dead letters.
async fn audit_dead_letters(
    store: Store,
    organisation: String,
    mut events: tokio::sync::mpsc::UnboundedReceiver<WebhookEvent>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let event = tokio::select! {
            event = events.recv() => match event {
                Some(event) => event,
                None => return,
            },
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
        if let WebhookEvent::DeadLettered {
            subscription_id,
            notification_id,
            attempts,
            error,
            ..
        } = event
        {
            let detail = format!("notification {notification_id} after {attempts} attempts: {error}");
            let event = AuditEvent::new(AuditKind::WebhookDeadLetter, "node", &organisation)
                .subject(subscription_id)
                .detail(detail);
            store.audit(event).await;
        }
    }
}

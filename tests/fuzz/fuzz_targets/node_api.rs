//! Fuzz target: every request of the node API (`NodeService`,
//! `WarningService`, `SubscriptionService`, `AuditService`), decoded with
//! prost from arbitrary bytes and handed to the real service handlers of an
//! in-process node over a store in a temporary directory, so the private
//! request conversions and the domain validation behind them run.
//!
//! Input: frames of `[selector][length: u16 big-endian][request bytes]`. The selector's low
//! six bits pick the RPC, its top bit the caller (analyst `ana` or reviewer
//! `rita`, both with every role). A length-delimited field holding exactly
//! `@a` or `@w` at the top level of a request becomes the id of the last
//! assessment or warning a response named, so sequences reach revisions,
//! publication and responses. Each decoded request must re-encode to itself,
//! each response must encode and decode to itself, and no request yields an
//! `INTERNAL` status.
//!
//! The store persists across inputs of one process (opening one per input
//! would slow the target a hundredfold); set `TMPDIR` to put it elsewhere.
//! Not reached: `WatchWarnings` (a stream) and the federation side of a node
//! (`ListPeers` … `ReloadSharingPolicy` answer "not federating").

#![no_main]
// Fuzz harness: a panic is how a target reports a broken invariant.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use prost::Message;
use tocsin_fuzz::reference;
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::audit_service_server::AuditService;
use tocsin_proto::v1::node_service_server::NodeService;
use tocsin_proto::v1::subscription_service_server::SubscriptionService;
use tocsin_proto::v1::warning_service_server::WarningService;
use tocsin_server::api::{AuditApi, NodeApi, SubscriptionApi, WarningApi};
use tocsin_server::assessments::Assessments;
use tocsin_server::config::Config;
use tocsin_server::model::caller::{Caller, Role};
use tocsin_server::policy::AccessPolicy;
use tocsin_server::store::Store;
use tocsin_server::warnings::Warnings;
use tocsin_server::warnings::subscriptions::Subscriptions;
use tocsin_server::warnings::webhook::Webhooks;
use tonic::{Code, Request, Response, Status};

struct Node {
    runtime: tokio::runtime::Runtime,
    node: NodeApi,
    warnings: WarningApi,
    subscriptions: SubscriptionApi,
    audit: AuditApi,
    _stop: tokio::sync::watch::Sender<bool>,
}

fn node() -> &'static Node {
    static NODE: OnceLock<Node> = OnceLock::new();
    NODE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let dir = std::env::temp_dir().join(format!("tocsin-fuzz-node-{}", std::process::id()));
        let config = Config::load(None, []).expect("the default configuration loads");
        let _entered = runtime.enter();
        let store = Store::open(&dir).expect("a store in the temporary directory");
        let policy = Arc::new(AccessPolicy::embedded().expect("the embedded access policy loads"));
        let assessments = Assessments::new(store.clone(), reference(), policy, "ecowas");
        let subscriptions = Subscriptions::new(store.clone(), reference());
        let webhooks = Webhooks::new(store.clone(), &config.webhooks, None).expect("webhooks start");
        let warnings = Warnings::new(
            store.clone(),
            reference(),
            assessments.clone(),
            "ecowas",
            config.warnings.clone(),
            None,
        );
        let (stop, stopping) = tokio::sync::watch::channel(false);
        Node {
            node: NodeApi::new(assessments.clone(), None),
            warnings: WarningApi::new(warnings, subscriptions.clone(), stopping),
            subscriptions: SubscriptionApi::new(assessments.clone(), subscriptions, webhooks),
            audit: AuditApi::new(assessments, store),
            runtime,
            _stop: stop,
        }
    })
}

fn caller(reviewer: bool) -> Caller {
    let subject = if reviewer { "rita" } else { "ana" };
    Caller {
        subject: subject.into(),
        name: subject.into(),
        issuer: "https://idp.example".into(),
        organisation: "ecowas".into(),
        roles: Role::ALL.into_iter().collect::<BTreeSet<_>>(),
    }
}

thread_local! {
    /// The last assessment and warning ids a response named.
    static LAST: RefCell<(String, String)> = const { RefCell::new((String::new(), String::new())) };
}

/// `@a` / `@w` fields (length 2) replaced by the last ids.
fn substituted(bytes: &[u8]) -> Vec<u8> {
    let (assessment, warning) = LAST.with(|last| last.borrow().clone());
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let id = match bytes[i..] {
            [2, b'@', b'a', ..] if !assessment.is_empty() => Some(&assessment),
            [2, b'@', b'w', ..] if !warning.is_empty() => Some(&warning),
            _ => None,
        };
        match id.filter(|id| id.len() < 128) {
            Some(id) => {
                out.push(id.len() as u8);
                out.extend_from_slice(id.as_bytes());
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

fn remember(response: &dyn Any) {
    let warning = |w: &pb::Warning| LAST.with(|last| last.borrow_mut().1 = w.id.clone());
    if let Some(a) = response.downcast_ref::<pb::Assessment>() {
        LAST.with(|last| last.borrow_mut().0 = a.id.clone());
    } else if let Some(w) = response.downcast_ref::<pb::Warning>() {
        warning(w);
    } else if let Some(w) = response
        .downcast_ref::<pb::WarningDetail>()
        .and_then(|d| d.warning.as_ref())
    {
        warning(w);
    }
}

fn round_trip<M: Message + Default + PartialEq>(message: &M) {
    let again = M::decode(message.encode_to_vec().as_slice()).expect("a re-encoded message decodes");
    assert!(&again == message, "a message changed through encoding");
}

fn checked<T: Message + Default + PartialEq + 'static>(result: Result<Response<T>, Status>) {
    match result {
        Ok(response) => {
            let response = response.into_inner();
            round_trip(&response);
            remember(&response);
        }
        Err(status) => {
            assert_ne!(
                status.code(),
                Code::Internal,
                "INTERNAL for a request: {}",
                status.message()
            );
            assert_ne!(
                status.code(),
                Code::Unknown,
                "UNKNOWN for a request: {}",
                status.message()
            );
        }
    }
}

macro_rules! rpcs {
    ($($service:ident . $method:ident ( $request:ty );)*) => {
        async fn call(node: &Node, index: usize, caller: Caller, bytes: &[u8]) {
            let mut i = 0;
            $(
                if index == i {
                    let Ok(message) = <$request>::decode(bytes) else {
                        return;
                    };
                    round_trip(&message);
                    let mut request = Request::new(message);
                    request.extensions_mut().insert(caller);
                    checked(node.$service.$method(request).await);
                    return;
                }
                i += 1;
            )*
            let _ = i;
        }
    };
}

rpcs! {
    node.who_am_i(pb::WhoAmIRequest);
    node.create_assessment(pb::CreateAssessmentRequest);
    node.revise_assessment(pb::ReviseAssessmentRequest);
    node.submit_assessment(pb::SubmitAssessmentRequest);
    node.publish_assessment(pb::PublishAssessmentRequest);
    node.withdraw_assessment(pb::WithdrawAssessmentRequest);
    node.get_assessment(pb::GetAssessmentRequest);
    node.list_assessments(pb::ListAssessmentsRequest);
    node.list_situations(pb::ListSituationsRequest);
    node.get_situation(pb::GetSituationRequest);
    node.list_peers(pb::ListPeersRequest);
    node.list_quarantine(pb::ListQuarantineRequest);
    node.list_refusals(pb::ListRefusalsRequest);
    node.explain_sharing(pb::ExplainSharingRequest);
    node.reload_sharing_policy(pb::ReloadSharingPolicyRequest);
    warnings.raise_warning(pb::RaiseWarningRequest);
    warnings.draft_update(pb::DraftUpdateRequest);
    warnings.draft_cancel(pb::DraftCancelRequest);
    warnings.revise_warning(pb::ReviseWarningRequest);
    warnings.issue_warning(pb::IssueWarningRequest);
    warnings.get_warning(pb::WarningName);
    warnings.list_warnings(pb::ListWarningsRequest);
    warnings.acknowledge_warning(pb::AcknowledgeWarningRequest);
    warnings.decide_warning(pb::DecideWarningRequest);
    warnings.record_action(pb::RecordActionRequest);
    warnings.update_action(pb::UpdateActionRequest);
    warnings.close_warning(pb::CloseWarningRequest);
    warnings.add_after_action_note(pb::AddAfterActionNoteRequest);
    warnings.export_cap(pb::ExportCapRequest);
    warnings.get_report(pb::GetReportRequest);
    subscriptions.create_subscription(pb::CreateSubscriptionRequest);
    subscriptions.list_subscriptions(pb::ListSubscriptionsRequest);
    subscriptions.delete_subscription(pb::DeleteSubscriptionRequest);
    subscriptions.list_dead_letters(pb::ListDeadLettersRequest);
    subscriptions.replay_dead_letter(pb::ReplayDeadLetterRequest);
    audit.query_audit(pb::QueryAuditRequest);
    audit.verify_audit(pb::VerifyAuditRequest);
}

fuzz_target!(|data: &[u8]| {
    let node = node();
    let mut rest = data;
    while let [selector, high, low, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*high, *low])).min(tail.len());
        let (frame, after) = tail.split_at(len);
        rest = after;
        let bytes = substituted(frame);
        let caller = caller(selector & 0x80 != 0);
        node.runtime
            .block_on(call(node, usize::from(selector & 0x3f), caller, &bytes));
    }
});

//! Well-formed requests with one field at fault: beyond its limit, an unknown
//! enum number, an impossible time, a missing message, a huge value that
//! the error might echo. Each must be INVALID_ARGUMENT (or NOT_FOUND for an
//! id nothing has) with a message naming the field.

use tocsin_client::connect::{Bearer, NodeClient, WarningClient, authorised, authorised_warnings};
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::audit_service_client::AuditServiceClient;
use tocsin_proto::v1::subscription_service_client::SubscriptionServiceClient;
use tocsin_tests::content;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic::{Code, Status};

use super::{Expect, Fixture};

/// One request to one service.
#[derive(Debug)]
pub(crate) enum Call {
    CreateAssessment(pb::AssessmentContent),
    ReviseAssessment(pb::ReviseAssessmentRequest),
    WithdrawAssessment(pb::WithdrawAssessmentRequest),
    GetAssessment(pb::GetAssessmentRequest),
    ListAssessments(pb::ListAssessmentsRequest),
    RaiseWarning(pb::WarningContent),
    ReviseWarning(pb::ReviseWarningRequest),
    GetWarning(pb::WarningName),
    ListWarnings(pb::ListWarningsRequest),
    Watch(pb::WatchWarningsRequest),
    CreateSubscription(pb::CreateSubscriptionRequest),
    DeleteSubscription(pb::DeleteSubscriptionRequest),
    QueryAudit(pb::QueryAuditRequest),
}

/// A client of every service, presenting the same token.
pub(crate) struct Clients {
    node: NodeClient,
    warnings: WarningClient,
    subscriptions: SubscriptionServiceClient<InterceptedService<Channel, Bearer>>,
    audit: AuditServiceClient<InterceptedService<Channel, Bearer>>,
}

impl Clients {
    pub(crate) async fn new(fixture: &Fixture) -> Self {
        let channel = fixture.node.channel().await.unwrap();
        let token = &fixture.token;
        Self {
            node: authorised(channel.clone(), token).unwrap(),
            warnings: authorised_warnings(channel.clone(), token).unwrap(),
            subscriptions: SubscriptionServiceClient::with_interceptor(
                channel.clone(),
                Bearer::new(token).unwrap(),
            ),
            audit: AuditServiceClient::with_interceptor(channel, Bearer::new(token).unwrap()),
        }
    }

    /// Sends `call`; only the status matters.
    pub(crate) async fn send(&mut self, call: Call) -> Result<(), Status> {
        match call {
            Call::CreateAssessment(content) => self
                .node
                .create_assessment(pb::CreateAssessmentRequest {
                    content: Some(content),
                })
                .await
                .map(drop),
            Call::ReviseAssessment(r) => self.node.revise_assessment(r).await.map(drop),
            Call::WithdrawAssessment(r) => self.node.withdraw_assessment(r).await.map(drop),
            Call::GetAssessment(r) => self.node.get_assessment(r).await.map(drop),
            Call::ListAssessments(r) => self.node.list_assessments(r).await.map(drop),
            Call::RaiseWarning(content) => self
                .warnings
                .raise_warning(pb::RaiseWarningRequest {
                    content: Some(content),
                })
                .await
                .map(drop),
            Call::ReviseWarning(r) => self.warnings.revise_warning(r).await.map(drop),
            Call::GetWarning(r) => self.warnings.get_warning(r).await.map(drop),
            Call::ListWarnings(r) => self.warnings.list_warnings(r).await.map(drop),
            Call::Watch(r) => self.warnings.watch_warnings(r).await.map(drop),
            Call::CreateSubscription(r) => self.subscriptions.create_subscription(r).await.map(drop),
            Call::DeleteSubscription(r) => self.subscriptions.delete_subscription(r).await.map(drop),
            Call::QueryAudit(r) => self.audit.query_audit(r).await.map(drop),
        }
    }
}

/// One bad request and what the node must answer.
pub(crate) struct Case {
    pub(crate) name: &'static str,
    pub(crate) call: Call,
    pub(crate) expect: Expect,
}

const INVALID: &[Code] = &[Code::InvalidArgument];
const INVALID_OR_NOT_FOUND: &[Code] = &[Code::InvalidArgument, Code::NotFound];

fn case(name: &'static str, call: Call, codes: &'static [Code], names: &'static [&'static str]) -> Case {
    Case {
        name,
        call,
        expect: Expect { codes, names },
    }
}

/// A string of `n` characters.
fn long(n: usize) -> String {
    "a".repeat(n)
}

/// 1 MiB of text.
fn megabyte() -> String {
    long(1 << 20)
}

fn time(seconds: i64, nanos: i32) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp { seconds, nanos })
}

/// A valid warning on the fixture's published assessment, bent by `edit`.
fn warning(fixture: &Fixture, edit: impl FnOnce(&mut pb::WarningContent)) -> pb::WarningContent {
    let mut c = fixture.warning_content();
    edit(&mut c);
    c
}

fn assessment(edit: impl FnOnce(&mut pb::AssessmentContent)) -> Call {
    Call::CreateAssessment(content::with(edit))
}

fn situation(edit: impl FnOnce(&mut pb::SituationSpec)) -> Call {
    assessment(|c| edit(c.situation.as_mut().expect("the valid content has a situation")))
}

fn filters(edit: impl FnOnce(&mut pb::SubscriptionFilters)) -> Call {
    let mut f = pb::SubscriptionFilters::default();
    edit(&mut f);
    Call::CreateSubscription(pb::CreateSubscriptionRequest {
        filters: Some(f),
        ..Default::default()
    })
}

fn audit(edit: impl FnOnce(&mut pb::QueryAuditRequest)) -> Call {
    let mut r = pb::QueryAuditRequest::default();
    edit(&mut r);
    Call::QueryAudit(r)
}

/// Every case, against the fixture's assessment, draft and subscription.
/// Warning content checked by the domain names its fields without the
/// `content.` prefix its wire conversion gives (`headline`, `content.level`).
#[rustfmt::skip]
pub(crate) fn cases(f: &Fixture) -> Vec<Case> {
    let raise = |edit: &dyn Fn(&mut pb::WarningContent)| Call::RaiseWarning(warning(f, edit));
    let id = f.assessment_id.clone();
    vec![
        // Assessments: limits, unknown enum numbers, impossible dates.
        case("assessment without content", Call::CreateAssessment(Default::default()), INVALID, &["content.situation"]),
        case("narrative of 1 MiB", assessment(|c| c.narrative = megabyte()), INVALID, &["content.narrative"]),
        case("100,000 countries", situation(|s| s.countries = vec!["XAA".into(); 100_000]), INVALID, &["content.situation.countries"]),
        case("country of 1 MiB", situation(|s| s.countries = vec![megabyte()]), INVALID, &["content.situation.countries[0]"]),
        case("title with a NUL", situation(|s| s.title = "North\0ern".into()), INVALID, &["content.situation.title"]),
        case("10,000 indicators", assessment(|c| c.factors[0].indicators = vec!["1.1".into(); 10_000]), INVALID, &["content.factors[0].indicators"]),
        case("100,000 response options", assessment(|c| c.response_options = vec!["x".into(); 100_000]), INVALID, &["content.response_options"]),
        case("tlp 99", assessment(|c| c.tlp = 99), INVALID, &["content.tlp", "99"]),
        case("tlp -1", assessment(|c| c.tlp = -1), INVALID, &["content.tlp", "-1"]),
        case("overall risk 99", assessment(|c| c.overall_risk = 99), INVALID, &["content.overall_risk", "99"]),
        case("factor level 99", assessment(|c| c.factors[0].level = 99), INVALID, &["content.factors[0].level", "99"]),
        case("risk factor 4,000,000,000", assessment(|c| c.factors[0].factor = 4_000_000_000), INVALID, &["content.factors[0].factor", "4000000000"]),
        case("crime 99", situation(|s| s.crimes_at_risk = vec![99]), INVALID, &["content.situation.crimes_at_risk[0]", "99"]),
        case("trigger on 30 February", assessment(|c| c.upcoming_triggers[0].date = "2027-02-30".into()), INVALID, &["content.upcoming_triggers[0].date", "2027-02-30"]),
        case("trigger in year 10000", assessment(|c| c.upcoming_triggers[0].date = "10000-01-01".into()), INVALID, &["content.upcoming_triggers[0].date"]),
        case("horizon of 4,000,000,000 months", assessment(|c| c.horizon_months = 4_000_000_000), INVALID, &["content.horizon_months"]),
        case("revision with a 1 MiB narrative", Call::ReviseAssessment(pb::ReviseAssessmentRequest {
            id: id.clone(), base_version: 1, content: Some(content::with(|c| c.narrative = megabyte())),
        }), INVALID, &["content.narrative"]),
        case("withdrawal reason of 1 MiB", Call::WithdrawAssessment(pb::WithdrawAssessmentRequest {
            id: id.clone(), version: 1, reason: megabyte(),
        }), INVALID, &["reason"]),
        case("assessment id of 1 MiB", Call::GetAssessment(pb::GetAssessmentRequest { id: megabyte(), version: 0 }), INVALID_OR_NOT_FOUND, &["assessment"]),
        case("list by status 99", Call::ListAssessments(pb::ListAssessmentsRequest { status: 99, ..Default::default() }), INVALID, &["status", "99"]),
        case("list by minimum risk 99", Call::ListAssessments(pb::ListAssessmentsRequest { min_risk: 99, ..Default::default() }), INVALID, &["min_risk", "99"]),
        // Warnings: CAP fields beyond their limits, enums, times.
        case("warning without content", Call::RaiseWarning(Default::default()), INVALID, &["content.situation"]),
        case("headline of 161 characters", raise(&|c| c.headline = long(161)), INVALID, &["headline", "161"]),
        case("headline of 1 MiB", raise(&|c| c.headline = megabyte()), INVALID, &["headline"]),
        case("description of 1 MiB", raise(&|c| c.description = megabyte()), INVALID, &["description"]),
        case("instruction of 1 MiB", raise(&|c| c.instruction = megabyte()), INVALID, &["instruction"]),
        case("10,000 addressees", raise(&|c| {
            c.addressees = (0..10_000).map(|i| pb::WarningAddressee { organisation: format!("org-{i}"), role: "focal_point".into() }).collect();
        }), INVALID, &["addressees"]),
        case("addressee of 1 MiB", raise(&|c| c.addressees[0].organisation = megabyte()), INVALID, &["addressees[0].organisation"]),
        case("addressee role `emperor`", raise(&|c| c.addressees[0].role = "emperor".into()), INVALID, &["content.addressees[0].role", "emperor"]),
        case("100,000 countries in a warning", raise(&|c| {
            if let Some(s) = c.situation.as_mut() { s.countries = vec!["XAA".into(); 100_000] }
        }), INVALID, &["situation.countries"]),
        case("warning tlp 99", raise(&|c| c.tlp = 99), INVALID, &["content.tlp", "99"]),
        case("warning level of 1 MiB", raise(&|c| c.level = megabyte()), INVALID, &["content.level"]),
        case("urgency `soonish`", raise(&|c| c.urgency = "soonish".into()), INVALID, &["content.urgency", "soonish"]),
        case("no expiry", raise(&|c| c.expires = None), INVALID, &["content.expires"]),
        case("expiry with nanos -1", raise(&|c| c.expires = time(1_900_000_000, -1)), INVALID, &["content.expires"]),
        case("expiry with nanos 10^9", raise(&|c| c.expires = time(1_900_000_000, 1_000_000_000)), INVALID, &["content.expires"]),
        case("expiry at i64::MAX seconds", raise(&|c| c.expires = time(i64::MAX, 0)), INVALID, &["content.expires"]),
        case("expiry at i64::MIN seconds", raise(&|c| c.expires = time(i64::MIN, 0)), INVALID, &["content.expires"]),
        case("assessment version 0", raise(&|c| c.assessment_version = 0), INVALID, &["assessment.version"]),
        case("draft revised with a 161-character headline", Call::ReviseWarning(pb::ReviseWarningRequest {
            id: f.draft_id.clone(), content: Some(warning(f, |c| c.headline = long(161))),
        }), INVALID, &["headline"]),
        case("warning id of 1 MiB", Call::GetWarning(pb::WarningName { sender: String::new(), id: megabyte() }), INVALID_OR_NOT_FOUND, &["warning"]),
        case("warnings listed by status `lost`", Call::ListWarnings(pb::ListWarningsRequest { status: "lost".into(), ..Default::default() }), INVALID, &["status", "lost"]),
        case("watch cursor of 3 bytes", Call::Watch(pb::WatchWarningsRequest { cursor: vec![1, 2, 3], ..Default::default() }), INVALID, &["cursor"]),
        case("watch cursor of 9 bytes", Call::Watch(pb::WatchWarningsRequest { cursor: vec![0; 9], ..Default::default() }), INVALID, &["cursor"]),
        case("watch cursor of 1 MiB", Call::Watch(pb::WatchWarningsRequest { cursor: vec![7; 1 << 20], ..Default::default() }), INVALID, &["cursor"]),
        case("watch subscription of 1 MiB", Call::Watch(pb::WatchWarningsRequest { subscription_id: megabyte(), ..Default::default() }), INVALID_OR_NOT_FOUND, &["subscription"]),
        // Subscriptions.
        case("100,000 subscribed countries", filters(|f| f.countries = vec!["XAA".into(); 100_000]), INVALID, &["filters.countries"]),
        case("subscribed country of 1 MiB", filters(|f| f.countries = vec![megabyte()]), INVALID, &["filters.countries[0]"]),
        case("subscribed crime 99", filters(|f| f.crimes = vec![99]), INVALID, &["filters.crimes[0]", "99"]),
        case("subscribed risk factor 99", filters(|f| f.risk_factors = vec![99]), INVALID, &["filters.risk_factors[0]", "99"]),
        case("minimum level `apocalypse`", filters(|f| f.min_level = "apocalypse".into()), INVALID, &["filters.min_level", "apocalypse"]),
        case("subscription id of 1 MiB", Call::DeleteSubscription(pb::DeleteSubscriptionRequest { id: megabyte() }), INVALID_OR_NOT_FOUND, &["id"]),
        // Audit queries.
        case("audit since nanos -1", audit(|r| r.since = time(0, -1)), INVALID, &["since"]),
        case("audit until i64::MAX seconds", audit(|r| r.until = time(i64::MAX, 0)), INVALID, &["until"]),
        case("audit kind of 1 MiB", audit(|r| r.kinds = vec![megabyte()]), INVALID, &["kinds[0]"]),
    ]
}

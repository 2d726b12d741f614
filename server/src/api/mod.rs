//! The gRPC edge: the only code that knows tonic and the wire types. Each
//! method converts its request, calls one domain operation and maps the
//! error to a status.

mod admin_service;
mod audit_service;
mod authn;
mod convert;
mod error;
mod node_service;
mod situation;
mod subscription_service;
mod warning_convert;
mod warning_service;

pub use audit_service::AuditApi;
pub use authn::AuthnLayer;
pub use node_service::NodeApi;
pub use subscription_service::SubscriptionApi;
pub use warning_service::WarningApi;

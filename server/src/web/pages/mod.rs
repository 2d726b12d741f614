//! The pages: each a thin adapter that calls one service with the
//! session's `Caller` and renders what it returns.

pub(super) mod board;
pub(super) mod overview;
pub(super) mod situation;
pub(super) mod timeline;

/// The snake-case name serde gives a value (`very_high`), for display and
/// translation keys.
pub(super) fn snake(value: impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// `2026-11-28 15:04 UTC`.
pub(super) fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

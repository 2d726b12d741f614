//! The pages: each a thin adapter that calls one service with the
//! session's `Caller` and renders what it returns.

pub(super) mod assessments;
pub(super) mod board;
pub(super) mod editor;
pub(super) mod overview;
pub(super) mod report;
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

/// `3d 4h`, `2h 5m`, `4m 10s`, `12s`: an elapsed time in two units.
pub(super) fn duration(d: chrono::TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    let (days, hours, minutes, seconds) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else if minutes > 0 {
        format!("{minutes}m {seconds}s")
    } else {
        format!("{seconds}s")
    }
}

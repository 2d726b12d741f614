//! The `[web]` section: where the web interface is served (HTTPS with the
//! API's TLS identity) and how long an idle session lasts.

use chrono::TimeDelta;
use serde::Deserialize;
use std::net::SocketAddr;

use crate::model::warning::period;

/// `listen = "auto"`: beside the API in embedded mode, off otherwise.
const AUTO: &str = "auto";

/// How far the `auto` web port is from the API port (7443 → 7446).
const AUTO_PORT_OFFSET: u16 = 3;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSection {
    /// A socket address, `auto` or empty (no web interface).
    pub listen: String,
    /// A session unused for this long ends.
    #[serde(with = "period")]
    pub session_idle: TimeDelta,
}

impl WebSection {
    /// The address to serve on, if any. `auto` serves only in embedded mode
    /// (`embedded`: no issuer configured), on the API's address with the
    /// port three above it, or any free port when the API's is 0.
    pub fn addr(&self, api: SocketAddr, embedded: bool) -> Option<SocketAddr> {
        if self.listen == AUTO {
            if !embedded {
                return None;
            }
            let port = match api.port() {
                0 => 0,
                port => port.checked_add(AUTO_PORT_OFFSET)?,
            };
            return Some(SocketAddr::new(api.ip(), port));
        }
        self.listen.parse().ok()
    }

    /// The error is `(key, message)`, the key under `web.`.
    pub(super) fn validate(&self) -> Result<(), (String, String)> {
        if !self.listen.is_empty() && self.listen != AUTO && self.listen.parse::<SocketAddr>().is_err() {
            return Err((
                "listen".into(),
                format!(
                    "`{}` is not a socket address like 127.0.0.1:7446, `auto` or empty",
                    self.listen
                ),
            ));
        }
        if self.session_idle < TimeDelta::minutes(1) || self.session_idle > TimeDelta::days(1) {
            return Err((
                "session_idle".into(),
                format!(
                    "`{}` is out of range: 1m to 1d",
                    period::format(self.session_idle)
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(listen: &str) -> WebSection {
        WebSection {
            listen: listen.to_owned(),
            session_idle: TimeDelta::minutes(30),
        }
    }

    #[test]
    fn auto_follows_the_api_in_embedded_mode_only() {
        let api: SocketAddr = "127.0.0.1:7443".parse().unwrap();
        let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
        assert_eq!(section("auto").addr(api, true), "127.0.0.1:7446".parse().ok());
        assert_eq!(section("auto").addr(any, true), Some(any));
        assert_eq!(section("auto").addr(api, false), None);
        assert_eq!(section("").addr(api, true), None);
        assert_eq!(
            section("0.0.0.0:9000").addr(api, false),
            "0.0.0.0:9000".parse().ok()
        );
    }

    #[test]
    fn bad_values_are_named() {
        let (key, message) = section("nowhere").validate().unwrap_err();
        assert_eq!(key, "listen");
        assert!(message.contains("`nowhere`"));
        let mut long = section("auto");
        long.session_idle = TimeDelta::days(2);
        assert_eq!(long.validate().unwrap_err().0, "session_idle");
        assert!(section("auto").validate().is_ok());
    }
}

//! The address of a node: always `https://host:port`, written the same way
//! everywhere so that stored tokens and pins are found again.

use rustls_pki_types::ServerName;
use std::fmt;
use std::str::FromStr;

/// The node a command talks to, when none is given.
pub const DEFAULT_NODE: &str = "https://127.0.0.1:7443";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeUrl {
    /// Host name or IP address, without IPv6 brackets.
    host: String,
    port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeUrlError {
    #[error("`{url}` is not a node URL: {reason} (expected e.g. `{DEFAULT_NODE}`)")]
    Invalid { url: String, reason: String },
}

impl NodeUrl {
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The name the node's certificate is checked against.
    pub fn server_name(&self) -> Result<ServerName<'static>, NodeUrlError> {
        ServerName::try_from(self.host.clone()).map_err(|_| NodeUrlError::Invalid {
            url: self.to_string(),
            reason: format!("`{}` is not a valid host name", self.host),
        })
    }

    /// `host:port` for TCP, with IPv6 addresses in brackets.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Display for NodeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "https://{}", self.authority())
    }
}

impl FromStr for NodeUrl {
    type Err = NodeUrlError;

    /// `https://host[:port][/]`; a missing scheme means https, a missing port 443.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: &str| NodeUrlError::Invalid {
            url: text.to_owned(),
            reason: reason.to_owned(),
        };
        let trimmed = text.trim();
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_owned()
        } else {
            format!("https://{trimmed}")
        };
        let uri: http::Uri = with_scheme.parse().map_err(|_| invalid("it cannot be parsed"))?;
        if uri.scheme_str() != Some("https") {
            return Err(invalid("a node speaks only https"));
        }
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return Err(invalid("a node URL has no path"));
        }
        let authority = uri.authority().ok_or_else(|| invalid("it has no host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("a node URL has no user name"));
        }
        let host = authority.host().trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(invalid("it has no host"));
        }
        Ok(Self {
            host: host.to_ascii_lowercase(),
            port: authority.port_u16().unwrap_or(443),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_node_normalise_to_one_key() {
        for text in [
            "https://127.0.0.1:7443",
            "https://127.0.0.1:7443/",
            "127.0.0.1:7443",
            " https://127.0.0.1:7443 ",
        ] {
            let url: NodeUrl = text.parse().unwrap();
            assert_eq!(url.to_string(), "https://127.0.0.1:7443", "{text}");
        }
        let named: NodeUrl = "https://Node.Example.org".parse().unwrap();
        assert_eq!(named.to_string(), "https://node.example.org:443");
    }

    #[test]
    fn ipv6_hosts_keep_brackets_only_in_the_authority() {
        let url: NodeUrl = "https://[::1]:7443".parse().unwrap();
        assert_eq!(url.host(), "::1");
        assert_eq!(url.to_string(), "https://[::1]:7443");
        assert!(url.server_name().is_ok());
    }

    #[test]
    fn refuses_what_is_not_a_node_url() {
        for (text, reason) in [
            ("http://127.0.0.1:7443", "only https"),
            ("https://127.0.0.1:7443/api", "no path"),
            ("https://", "cannot be parsed"),
        ] {
            let err = text.parse::<NodeUrl>().unwrap_err().to_string();
            assert!(
                err.contains(&format!("`{text}`")) && err.contains(reason),
                "{err}"
            );
        }
    }
}

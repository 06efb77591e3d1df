//! The address of the client behind a request: the TCP peer, or, when the
//! peer is a reverse proxy listed in the configuration (`--trusted-proxy`),
//! the address that proxy put in `X-Forwarded-For`. Anyone else's
//! `X-Forwarded-For` is ignored: it is text the client chose.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::AppState;

/// The client address of a request (`None` only when the server was started
/// without connection info, as in router-level tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    /// A key for per-address tables.
    pub fn key(&self) -> String {
        self.0
            .map_or_else(|| "unknown".to_owned(), |a| a.to_string())
    }
}

/// Walks `X-Forwarded-For` from the right (each proxy appends the address it
/// saw), past listed proxies, to the first address that is not one.
pub fn resolve(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&canonical(peer)) {
        return Some(peer);
    }
    let mut client = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            // Garbage from further left: the last address we trust stands.
            break;
        };
        client = canonical(ip);
        if !trusted.contains(&client) {
            break;
        }
    }
    Some(client)
}

/// IPv4 addresses that arrive as IPv6-mapped (`::ffff:a.b.c.d`) compare as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(Self(resolve(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", v.parse().unwrap());
        h
    }

    #[test]
    fn only_a_listed_proxy_is_believed() {
        let proxy = ip("10.1.1.1");
        let h = xff("1.2.3.4");
        assert_eq!(
            resolve(Some(ip("8.8.8.8")), &h, &[proxy]),
            Some(ip("8.8.8.8"))
        );
        assert_eq!(resolve(Some(proxy), &h, &[proxy]), Some(ip("1.2.3.4")));
        // A client-supplied prefix is not believed: the proxy appended the real one.
        let h = xff("6.6.6.6, 1.2.3.4");
        assert_eq!(resolve(Some(proxy), &h, &[proxy]), Some(ip("1.2.3.4")));
        // Two listed proxies in a row.
        let h = xff("1.2.3.4, 10.1.1.2");
        assert_eq!(
            resolve(Some(proxy), &h, &[proxy, ip("10.1.1.2")]),
            Some(ip("1.2.3.4"))
        );
        // Garbage: the proxy itself is the client.
        assert_eq!(
            resolve(Some(proxy), &xff("nonsense"), &[proxy]),
            Some(proxy)
        );
        assert_eq!(
            resolve(Some(ip("::ffff:10.1.1.1")), &xff("1.2.3.4"), &[proxy]),
            Some(ip("1.2.3.4"))
        );
    }
}

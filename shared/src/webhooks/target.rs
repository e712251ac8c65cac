//! The rules for webhook targets: `https` on a public address only, so that a client
//! cannot make the worker call internal services (SSRF).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

/// The maximum length of a callback URL, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

/// A callback URL that passed the checks at submission: absolute, `https` (or `http`
/// when loopback is allowed), no user name or password, at most [`MAX_URL_BYTES`],
/// and not `localhost` or an IP literal that [`check_address`] rejects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackUrl(Url);

impl CallbackUrl {
    /// Parses and checks a callback URL. Host names are resolved only at delivery,
    /// where [`resolve`] checks every address again.
    ///
    /// # Errors
    /// Returns the rule the URL breaks, worded to follow the field name.
    pub fn parse(raw: &str, allow_loopback: bool) -> Result<Self, String> {
        if raw.len() > MAX_URL_BYTES {
            return Err(format!("must be at most {MAX_URL_BYTES} bytes"));
        }
        let url = Url::parse(raw).map_err(|error| format!("must be an absolute URL ({error})"))?;
        check_url(&url, allow_loopback)?;
        if let Some(Host::Domain(name)) = url.host() {
            if is_localhost(name) && !allow_loopback {
                return Err("must not point to localhost".to_owned());
            }
        }
        if url.as_str().len() > MAX_URL_BYTES {
            return Err(format!("must be at most {MAX_URL_BYTES} bytes once normalized"));
        }
        Ok(Self(url))
    }

    /// Returns the normalized URL.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Returns the host, for logs; never the path or query, which may carry tokens.
    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or("")
    }
}

/// Checks the scheme, the user information and an IP literal host. Shared by
/// submission and delivery.
fn check_url(url: &Url, allow_loopback: bool) -> Result<(), String> {
    match url.scheme() {
        "https" => {}
        "http" if allow_loopback => {}
        _ => return Err("must use https".to_owned()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain a user name or password".to_owned());
    }
    if url.port() == Some(0) {
        return Err("must not use port 0, which no server listens on".to_owned());
    }
    match url.host() {
        None => Err("must have a host".to_owned()),
        Some(Host::Domain(_)) => Ok(()),
        Some(Host::Ipv4(ip)) => check_address(IpAddr::V4(ip), allow_loopback).map_err(|rule| forbidden(ip, rule)),
        Some(Host::Ipv6(ip)) => check_address(IpAddr::V6(ip), allow_loopback).map_err(|rule| forbidden(ip, rule)),
    }
}

fn forbidden(ip: impl std::fmt::Display, rule: &str) -> String {
    format!("must not point to {ip}, {rule}")
}

/// Returns whether a host name is `localhost` or a name under it (RFC 6761), with or
/// without a final dot.
fn is_localhost(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// Checks that a webhook may be sent to `ip`. Loopback passes only when
/// `allow_loopback` is set; private, shared (CGNAT), link-local, unspecified,
/// broadcast, multicast, documentation and other reserved ranges never pass.
/// IPv6 addresses that embed an IPv4 address (mapped, NAT64, 6to4) are judged by it.
///
/// # Errors
/// Returns the kind of address, e.g. "a private address".
pub fn check_address(ip: IpAddr, allow_loopback: bool) -> Result<(), &'static str> {
    let kind = match ip {
        IpAddr::V4(ip) => ipv4_kind(ip),
        IpAddr::V6(ip) => ipv6_kind(ip),
    };
    match kind {
        None => Ok(()),
        Some(LOOPBACK) if allow_loopback => Ok(()),
        Some(kind) => Err(kind),
    }
}

const LOOPBACK: &str = "a loopback address";
const PRIVATE: &str = "a private address";
const LINK_LOCAL: &str = "a link-local address";
const RESERVED: &str = "a reserved address";

fn ipv4_kind(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => "an unspecified address",
        (127, _, _) => LOOPBACK,
        (10, _, _) | (192, 168, _) => PRIVATE,
        (172, 16..=31, _) => PRIVATE,
        (100, 64..=127, _) => "a shared address (carrier-grade NAT)",
        (169, 254, _) => LINK_LOCAL,
        (224..=239, _, _) => "a multicast address",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        _ if ip.is_broadcast() => "a broadcast address",
        // IETF protocol assignments, benchmarking, and the former class E.
        (192, 0, 0) | (198, 18..=19, _) | (240..=255, _, _) => RESERVED,
        _ => return None,
    })
}

fn ipv6_kind(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return ipv4_kind(v4);
    }
    let segments = ip.segments();
    let embedded_v4 = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    Some(match segments {
        _ if ip.is_unspecified() => "an unspecified address",
        _ if ip.is_loopback() => LOOPBACK,
        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach the IPv4 address they embed.
        [0x64, 0xff9b, 0, 0, 0, 0, high, low] => return ipv4_kind(embedded_v4(high, low)),
        [0x2002, high, low, ..] => return ipv4_kind(embedded_v4(high, low)),
        // Local-use NAT64 (64:ff9b:1::/48, RFC 8215) translates to IPv4 addresses inside
        // the network, at a position that depends on the local prefix length.
        [0x64, 0xff9b, 0x0001, ..] => RESERVED,
        // The deprecated IPv4-compatible addresses (::a.b.c.d).
        [0, 0, 0, 0, 0, 0, _, _] => RESERVED,
        [first, ..] if first & 0xfe00 == 0xfc00 => PRIVATE,
        [first, ..] if first & 0xffc0 == 0xfe80 => LINK_LOCAL,
        // Site-local, deprecated but still routed inside some networks.
        [first, ..] if first & 0xffc0 == 0xfec0 => PRIVATE,
        [first, ..] if first & 0xff00 == 0xff00 => "a multicast address",
        [0x2001, 0x0db8, ..] => "a documentation address",
        // Teredo (2001::/32) and the discard prefix (100::/64).
        [0x2001, 0, ..] | [0x100, 0, 0, 0, ..] => RESERVED,
        _ => return None,
    })
}

/// The reason a webhook target cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The URL or one of its addresses breaks a rule.
    #[error("target not allowed: {0}")]
    NotAllowed(String),
    /// The host name did not resolve.
    #[error("DNS lookup failed: {0}")]
    Lookup(std::io::ErrorKind),
}

/// A checked webhook target: the URL and the addresses to connect to.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: Url,
    /// The host name to pin to `addresses`, when the host is not an IP literal.
    pub domain: Option<String>,
    pub addresses: Vec<SocketAddr>,
}

/// Checks a stored callback URL again and resolves its host, rejecting it when any
/// address is not allowed. The caller must connect only to the returned addresses,
/// so that DNS cannot answer differently between this check and the connection.
///
/// # Errors
/// Returns [`TargetError::NotAllowed`] for a URL or an address that breaks a rule and
/// [`TargetError::Lookup`] when the name does not resolve.
pub async fn resolve(raw: &str, allow_loopback: bool) -> Result<Target, TargetError> {
    let url = Url::parse(raw).map_err(|error| TargetError::NotAllowed(format!("invalid URL ({error})")))?;
    check_url(&url, allow_loopback).map_err(TargetError::NotAllowed)?;
    let port = url.port_or_known_default().ok_or_else(|| TargetError::NotAllowed("no port".to_owned()))?;

    let (domain, addresses) = match url.host() {
        Some(Host::Domain(name)) => {
            let name = name.to_owned();
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), port))
                .await
                .map_err(|error| TargetError::Lookup(error.kind()))?
                .collect();
            (Some(name), addresses)
        }
        Some(Host::Ipv4(ip)) => (None, vec![SocketAddr::new(IpAddr::V4(ip), port)]),
        Some(Host::Ipv6(ip)) => (None, vec![SocketAddr::new(IpAddr::V6(ip), port)]),
        None => return Err(TargetError::NotAllowed("no host".to_owned())),
    };
    if addresses.is_empty() {
        return Err(TargetError::Lookup(std::io::ErrorKind::NotFound));
    }
    for address in &addresses {
        check_address(address.ip(), allow_loopback).map_err(|rule| {
            TargetError::NotAllowed(format!("{} resolves to {}, {rule}", url.host_str().unwrap_or(""), address.ip()))
        })?;
    }
    Ok(Target { url, domain, addresses })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses_pass() {
        for ip in ["93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:1.1.1.1"] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(check_address(ip, false), Ok(()), "{ip}");
        }
    }

    #[test]
    fn internal_addresses_are_rejected_by_kind() {
        let cases = [
            ("127.0.0.1", LOOPBACK),
            ("127.255.0.9", LOOPBACK),
            ("::1", LOOPBACK),
            ("::ffff:127.0.0.1", LOOPBACK),
            ("64:ff9b::7f00:1", LOOPBACK),
            ("10.0.0.1", PRIVATE),
            ("172.16.5.4", PRIVATE),
            ("192.168.1.1", PRIVATE),
            ("fd00::1", PRIVATE),
            ("2002:c0a8:101::1", PRIVATE),
            ("169.254.169.254", LINK_LOCAL),
            ("fe80::1", LINK_LOCAL),
            ("100.64.0.1", "a shared address (carrier-grade NAT)"),
            ("0.0.0.0", "an unspecified address"),
            ("::", "an unspecified address"),
            ("255.255.255.255", "a broadcast address"),
            ("224.0.0.1", "a multicast address"),
            ("ff02::1", "a multicast address"),
            ("192.0.2.10", "a documentation address"),
            ("2001:db8::1", "a documentation address"),
            ("198.18.0.1", RESERVED),
            ("240.0.0.1", RESERVED),
            ("::7f00:1", RESERVED),
            ("64:ff9b:1::a9fe:a9fe", RESERVED),
            ("64:ff9b:1:a9fe:a9fe::", RESERVED),
        ];
        for (ip, kind) in cases {
            assert_eq!(check_address(ip.parse().unwrap(), false), Err(kind), "{ip}");
        }
    }

    #[test]
    fn allowing_loopback_allows_only_loopback() {
        for ip in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(check_address(ip.parse().unwrap(), true), Ok(()), "{ip}");
        }
        for ip in ["10.0.0.1", "169.254.169.254", "fd00::1", "0.0.0.0"] {
            assert!(check_address(ip.parse().unwrap(), true).is_err(), "{ip}");
        }
    }

    #[test]
    fn callback_url_rules() {
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_BYTES));
        let cases = [
            ("http://example.com/hook", "must use https"),
            ("ftp://example.com/hook", "must use https"),
            ("/hooks/relative", "must be an absolute URL"),
            ("https://user:pass@example.com/hook", "must not contain a user name or password"),
            ("https://user@example.com/hook", "must not contain a user name or password"),
            ("https://10.0.0.1/hook", "a private address"),
            ("https://169.254.169.254/latest/meta-data", "a link-local address"),
            ("https://[::1]/hook", "a loopback address"),
            ("https://0x7f.1/hook", "a loopback address"),
            ("https://2130706433/hook", "a loopback address"),
            ("https://localhost/hook", "must not point to localhost"),
            ("https://LOCALHOST./hook", "must not point to localhost"),
            ("https://api.localhost/hook", "must not point to localhost"),
            ("https://hooks.example.com:0/hook", "must not use port 0"),
            (long.as_str(), "must be at most 2048 bytes"),
        ];
        for (raw, rule) in cases {
            let error = CallbackUrl::parse(raw, false).unwrap_err();
            assert!(error.contains(rule), "{raw}: {error}");
        }
    }

    #[test]
    fn callback_url_accepts_public_https() {
        let url = CallbackUrl::parse("https://hooks.example.com:8443/docsum?token=abc", false).unwrap();
        assert_eq!(url.as_str(), "https://hooks.example.com:8443/docsum?token=abc");
        assert_eq!(url.host(), "hooks.example.com");
    }

    #[test]
    fn allowing_loopback_allows_http_and_localhost() {
        for raw in ["http://127.0.0.1:8080/hook", "http://localhost/hook", "https://[::1]/hook"] {
            assert!(CallbackUrl::parse(raw, true).is_ok(), "{raw}");
        }
        assert!(CallbackUrl::parse("http://10.0.0.1/hook", true).is_err());
    }

    #[tokio::test]
    async fn resolve_rejects_names_of_loopback_addresses() {
        let error = resolve("https://localhost:9/hook", false).await.unwrap_err();
        assert!(matches!(&error, TargetError::NotAllowed(message) if message.contains(LOOPBACK)), "{error}");
    }

    #[tokio::test]
    async fn resolve_pins_the_checked_addresses() {
        let target = resolve("http://localhost:9/hook", true).await.unwrap();
        assert_eq!(target.domain.as_deref(), Some("localhost"));
        assert!(target.addresses.iter().all(|address| address.ip().is_loopback()), "{:?}", target.addresses);
        assert!(target.addresses.iter().all(|address| address.port() == 9), "{:?}", target.addresses);
    }
}

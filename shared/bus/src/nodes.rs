//! The broker's nodes: `PONTE_AMQP_URL` may name several, separated by
//! commas, either as full URLs or, after the first, as `host:port` that
//! take the first URL's scheme, credentials and virtual host:
//!
//! ```text
//! amqp://ponte:secret@rabbit-1:5672/%2f,rabbit-2:5672,rabbit-3:5672
//! ```
//!
//! A connection goes to the first node that answers, starting after the
//! last one that failed, so a lost node is skipped on the next try.

/// The URL of every node, in the order given.
pub fn node_urls(spec: &str) -> Vec<String> {
    let mut parts = spec.split(',').map(str::trim).filter(|p| !p.is_empty());
    let Some(first) = parts.next() else {
        return vec![];
    };
    let (prefix, rest) = match first.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), first),
    };
    let (auth, host_and_path) = match rest.rsplit_once('@') {
        Some((auth, h)) => (format!("{auth}@"), h),
        None => (String::new(), rest),
    };
    let path = host_and_path
        .split_once('/')
        .map(|(_, p)| format!("/{p}"))
        .unwrap_or_default();
    let mut out = vec![first.to_string()];
    for p in parts {
        if p.contains("://") {
            out.push(p.to_string());
        } else {
            out.push(format!("{prefix}{auth}{p}{path}"));
        }
    }
    out
}

/// `host:port` of a node URL, for logs (never the credentials).
pub fn node_name(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split('/').next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_url_is_one_node() {
        assert_eq!(
            node_urls("amqp://guest:guest@127.0.0.1:5672/%2f"),
            ["amqp://guest:guest@127.0.0.1:5672/%2f"]
        );
    }

    #[test]
    fn later_nodes_take_the_first_ones_credentials_and_vhost() {
        assert_eq!(
            node_urls("amqp://u:p@a:5672/%2f, b:5673 ,amqps://x:y@c:5671/v,"),
            [
                "amqp://u:p@a:5672/%2f",
                "amqp://u:p@b:5673/%2f",
                "amqps://x:y@c:5671/v"
            ]
        );
        assert_eq!(node_urls("amqp://a:1,b:2"), ["amqp://a:1", "amqp://b:2"]);
        assert!(node_urls(" , ").is_empty());
    }

    #[test]
    fn names_hide_credentials() {
        assert_eq!(node_name("amqp://u:secret@b:5673/%2f"), "b:5673");
        assert_eq!(node_name("amqp://b:5673"), "b:5673");
    }
}

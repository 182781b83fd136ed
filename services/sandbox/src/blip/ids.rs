//! Identifiers in Blip's shapes: GUIDs for tickets and messages, node parsing for LIME addresses.

/// A random version-4 GUID in lower case (`76f5bc38-b476-4895-a0c6-016ed1288ba0`), like Blip's ticket ids.
pub fn guid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A LIME node `name@domain/instance` split into its parts (name and instance may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node<'a> {
    pub name: &'a str,
    pub domain: &'a str,
    pub instance: Option<&'a str>,
}

/// Parses `name@domain[/instance]`. The name may itself contain an encoded `%40`, never a raw `@`
/// after the last one: the domain is what follows the last `@`.
pub fn parse_node(raw: &str) -> Option<Node<'_>> {
    let raw = raw.trim();
    let (identity, instance) = match raw.split_once('/') {
        Some((i, inst)) => (i, Some(inst)),
        None => (raw, None),
    };
    let (name, domain) = identity.rsplit_once('@')?;
    if domain.is_empty() {
        return None;
    }
    Some(Node {
        name,
        domain,
        instance,
    })
}

/// The domain part of an identity (`5511999990001@wa.gw.msging.net` → `wa.gw.msging.net`).
pub fn domain_of(identity: &str) -> String {
    parse_node(identity)
        .map(|n| n.domain.to_owned())
        .unwrap_or_default()
}

/// Decodes `%XX` escapes (LIME URIs percent-encode special characters); invalid escapes are kept.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex_val(bytes[i + 1]), hex_val(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn guids_look_like_blips() {
        let g = guid();
        assert_eq!(g.len(), 36);
        assert_eq!(g.as_bytes()[14], b'4');
        assert_ne!(g, guid());
    }

    #[test]
    fn nodes_split_on_the_last_at() {
        let n = parse_node("abc@desk.msging.net/Webhook").unwrap();
        assert_eq!(
            (n.name, n.domain, n.instance),
            ("abc", "desk.msging.net", Some("Webhook"))
        );
        let n = parse_node("agent%40x.com@blip.ai").unwrap();
        assert_eq!(
            (n.name, n.domain, n.instance),
            ("agent%40x.com", "blip.ai", None)
        );
        assert!(parse_node("no-domain").is_none());
        assert_eq!(domain_of("5511@wa.gw.msging.net"), "wa.gw.msging.net");
        assert_eq!(percent_decode("a%40b%2"), "a@b%2");
    }
}

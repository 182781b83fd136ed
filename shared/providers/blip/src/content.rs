//! LIME message contents → what an agent reads in the desk: text, and
//! links as attachments. Every content type a customer can send
//! (blip-docs `content-types/`) reads as words or a link, never as raw
//! JSON; a type Ponte does not know says its name and whatever text it
//! carries.

use ponte_core::Attachment;
use serde_json::Value;

use crate::model::MEDIA_LINK_TYPE;

pub const LOCATION: &str = "application/vnd.lime.location+json";
pub const CONTACT: &str = "application/vnd.lime.contact+json";
pub const REPLY: &str = "application/vnd.lime.reply+json";
pub const SELECT: &str = "application/vnd.lime.select+json";
pub const DOCUMENT_SELECT: &str = "application/vnd.lime.document-select+json";
pub const WEB_LINK: &str = "application/vnd.lime.web-link+json";
pub const COLLECTION: &str = "application/vnd.lime.collection+json";
pub const CONTAINER: &str = "application/vnd.lime.container+json";
pub const SENSITIVE: &str = "application/vnd.lime.sensitive+json";
pub const INPUT: &str = "application/vnd.lime.input+json";
pub const PAYMENT: &str = "application/vnd.lime.invoice+json";
pub const TEXT: &str = "text/plain";
/// "Typing…", "paused" and the like: a channel's signal, not a message.
pub const CHAT_STATE: &str = "application/vnd.lime.chatstate+json";

/// Whether a message of this type is for the conversation's screen only
/// and must not become a desk action (chat states).
pub fn is_signal(kind: &str) -> bool {
    let kind = kind.split(';').next().unwrap_or(kind).trim();
    kind.eq_ignore_ascii_case(CHAT_STATE)
}

/// How deep nested contents (replies, collections) are followed.
const MAX_DEPTH: usize = 4;

/// Text and attachments of a message's content.
pub fn render(kind: &str, content: &Value) -> (String, Vec<Attachment>) {
    let mut out = Rendered::default();
    out.add(kind, content, 0);
    (out.lines.join("\n"), out.attachments)
}

#[derive(Default)]
struct Rendered {
    lines: Vec<String>,
    attachments: Vec<Attachment>,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn number(v: &Value, key: &str) -> Option<f64> {
    match v.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A value that may be a string or a `{type, value}` document.
fn plain(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Object(_) => {
            let kind = text(v, "type").unwrap_or(TEXT);
            let (t, _) = render(kind, v.get("value").unwrap_or(&Value::Null));
            Some(t).filter(|t| !t.is_empty())
        }
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Rendered {
    fn line(&mut self, s: impl Into<String>) {
        let s = s.into();
        if !s.trim().is_empty() {
            self.lines.push(s);
        }
    }

    fn link(&mut self, name: &str, uri: &str) {
        self.attachments.push(Attachment {
            name: name.to_string(),
            url: Some(uri.to_string()),
        });
    }

    fn add(&mut self, kind: &str, c: &Value, depth: usize) {
        if depth > MAX_DEPTH {
            self.line("[…]");
            return;
        }
        let kind = kind.split(';').next().unwrap_or(kind).trim();
        match (kind, c) {
            (_, Value::String(s)) if kind == TEXT || !kind.ends_with("+json") => self.line(s),
            (MEDIA_LINK_TYPE, _) => self.media(c),
            (LOCATION, _) => self.location(c),
            (CONTACT, _) => self.contact(c),
            (REPLY, _) => self.reply(c, depth),
            (SELECT, _) => self.select(c),
            (DOCUMENT_SELECT, _) => self.document_select(c),
            (WEB_LINK, _) => self.web_link(c),
            (COLLECTION, _) => self.collection(c, depth),
            (CONTAINER, _) => {
                let inner = text(c, "type").unwrap_or(TEXT).to_string();
                self.add(&inner, c.get("value").unwrap_or(&Value::Null), depth + 1);
            }
            (SENSITIVE, _) => self.line("[conteúdo sensível: não exibido]"),
            (INPUT, _) => {
                let label = c.get("label").and_then(plain);
                self.line(format!("[pedido de entrada] {}", label.unwrap_or_default()));
            }
            (PAYMENT, _) => self.line(format!(
                "[fatura] {}",
                text(c, "currency").unwrap_or_default()
            )),
            _ => self.unknown(kind, c),
        }
    }

    fn media(&mut self, c: &Value) {
        let Some(uri) = text(c, "uri") else {
            self.line("[mídia sem endereço]");
            return;
        };
        let mime = text(c, "type").unwrap_or("arquivo");
        let name = text(c, "title").unwrap_or(mime).to_string();
        if let Some(t) = text(c, "text") {
            self.line(t);
        }
        self.link(&name, uri);
    }

    fn location(&mut self, c: &Value) {
        let (lat, lon) = (number(c, "latitude"), number(c, "longitude"));
        let place = text(c, "text").unwrap_or("Localização");
        match (lat, lon) {
            (Some(lat), Some(lon)) => {
                let uri = format!("https://www.google.com/maps/search/?api=1&query={lat},{lon}");
                self.line(format!("📍 {place}: {lat}, {lon} — {uri}"));
                self.link(place, &uri);
            }
            _ => self.line(format!("📍 {place}")),
        }
    }

    fn contact(&mut self, c: &Value) {
        let name = text(c, "name").unwrap_or("(sem nome)");
        let mut parts = vec![format!("👤 Contato: {name}")];
        for (key, label) in [
            ("phoneNumber", "telefone"),
            ("email", "e-mail"),
            ("address", "endereço"),
            ("city", "cidade"),
            ("identity", "identidade"),
        ] {
            if let Some(v) = text(c, key) {
                parts.push(format!("{label}: {v}"));
            }
        }
        self.line(parts.join(", "));
    }

    fn reply(&mut self, c: &Value, depth: usize) {
        let replied = c.get("replied").unwrap_or(&Value::Null);
        let kind = text(replied, "type").unwrap_or(TEXT).to_string();
        self.add(
            &kind,
            replied.get("value").unwrap_or(&Value::Null),
            depth + 1,
        );
        if let Some(quoted) = c.get("inReplyTo").and_then(|r| {
            let kind = text(r, "type").unwrap_or(TEXT).to_string();
            let (t, _) = render(&kind, r.get("value").unwrap_or(&Value::Null));
            Some(t).filter(|t| !t.is_empty())
        }) {
            let first = quoted.lines().next().unwrap_or_default();
            self.line(format!("↪ em resposta a: \"{first}\""));
        }
    }

    fn select(&mut self, c: &Value) {
        if let Some(t) = text(c, "text") {
            self.line(t);
        }
        let options = c.get("options").and_then(Value::as_array);
        for (i, o) in options.into_iter().flatten().enumerate() {
            let label = text(o, "text").map(str::to_string).or_else(|| plain(o));
            let order = o
                .get("order")
                .and_then(Value::as_u64)
                .unwrap_or(i as u64 + 1);
            self.line(format!("{order}. {}", label.unwrap_or_default()));
        }
    }

    fn document_select(&mut self, c: &Value) {
        if let Some(h) = c.get("header").and_then(plain) {
            self.line(h);
        }
        let options = c.get("options").and_then(Value::as_array);
        for (i, o) in options.into_iter().flatten().enumerate() {
            let label = o.get("label").and_then(plain).unwrap_or_default();
            self.line(format!("{}. {label}", i + 1));
        }
    }

    fn web_link(&mut self, c: &Value) {
        let Some(uri) = text(c, "uri") else {
            self.line("[link sem endereço]");
            return;
        };
        let title = text(c, "title").unwrap_or(uri);
        match text(c, "text") {
            Some(t) => self.line(format!("{t} — {uri}")),
            None => self.line(format!("🔗 {title} — {uri}")),
        }
        self.link(title, uri);
    }

    fn collection(&mut self, c: &Value, depth: usize) {
        let item_type = text(c, "itemType").map(str::to_string);
        for item in c
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match &item_type {
                Some(kind) => self.add(kind, item, depth + 1),
                None => {
                    let kind = text(item, "type").unwrap_or(TEXT).to_string();
                    self.add(&kind, item.get("value").unwrap_or(&Value::Null), depth + 1);
                }
            }
        }
    }

    fn unknown(&mut self, kind: &str, c: &Value) {
        let words = ["text", "title", "label", "value", "description"]
            .iter()
            .find_map(|k| text(c, k));
        match words {
            Some(w) => self.line(format!("[{kind}] {w}")),
            None => self.line(format!(
                "[mensagem do tipo {kind}: sem texto que Ponte saiba mostrar]"
            )),
        }
        if let Some(uri) = text(c, "uri") {
            self.link(kind, uri);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn no_json(s: &str) {
        assert!(!s.contains('{') && !s.contains("\":"), "raw JSON in `{s}`");
    }

    #[test]
    fn every_customer_content_reads_as_text_or_a_link() {
        let (t, a) = render(
            LOCATION,
            &json!({"latitude": -22.9, "longitude": -43.2, "text": "Minha casa"}),
        );
        assert!(
            t.contains("Minha casa") && t.contains("-22.9, -43.2"),
            "{t}"
        );
        assert!(
            a[0].url
                .as_deref()
                .is_some_and(|u| u.contains("-22.9,-43.2"))
        );
        no_json(&t);

        let (t, _) = render(
            CONTACT,
            &json!({"name": "Ana Souza", "phoneNumber": "+5511999990002", "email": "ana@x.br"}),
        );
        assert_eq!(
            t,
            "👤 Contato: Ana Souza, telefone: +5511999990002, e-mail: ana@x.br"
        );

        let (t, _) = render(
            REPLY,
            &json!({"replied": {"type": "text/plain", "value": "Sim, pode ser"},
                    "inReplyTo": {"id": "m1", "type": "text/plain", "value": "Amanhã às 10h?", "direction": "sent"}}),
        );
        assert_eq!(t, "Sim, pode ser\n↪ em resposta a: \"Amanhã às 10h?\"");

        let (t, a) = render(
            MEDIA_LINK_TYPE,
            &json!({"type": "application/pdf", "uri": "https://x/nota.pdf", "title": "nota.pdf"}),
        );
        assert_eq!((t.as_str(), a[0].name.as_str()), ("", "nota.pdf"));

        let (t, _) = render(
            SELECT,
            &json!({"text": "Escolha", "options": [{"text": "Boleto"}, {"order": 2, "text": "Pix", "type": "text/plain", "value": "pix"}]}),
        );
        assert_eq!(t, "Escolha\n1. Boleto\n2. Pix");

        let (t, _) = render(
            DOCUMENT_SELECT,
            &json!({"header": {"type": "text/plain", "value": "Planos"},
                    "options": [{"label": {"type": "text/plain", "value": "Básico"}}, {"label": {"type": WEB_LINK, "value": {"uri": "https://x/p", "title": "Pro"}}}]}),
        );
        assert!(t.starts_with("Planos\n1. Básico\n2. "), "{t}");
        no_json(&t);

        let (t, a) = render(
            WEB_LINK,
            &json!({"uri": "https://x/doc", "title": "Manual"}),
        );
        assert_eq!(t, "🔗 Manual — https://x/doc");
        assert_eq!(a.len(), 1);

        let (t, a) = render(
            COLLECTION,
            &json!({"itemType": "text/plain", "items": ["um", "dois"]}),
        );
        assert_eq!((t.as_str(), a.len()), ("um\ndois", 0));

        let (t, _) = render(
            "application/vnd.lime.something+json",
            &json!({"a": {"b": 1}}),
        );
        no_json(&t);
        assert!(t.contains("something"), "{t}");
        let (t, _) = render(SENSITIVE, &json!({"type": "text/plain", "value": "1234"}));
        assert!(!t.contains("1234"), "{t}");
    }

    #[test]
    fn chat_states_are_signals_not_messages() {
        assert!(is_signal(CHAT_STATE));
        assert!(is_signal(
            "application/vnd.lime.chatstate+json; charset=utf-8"
        ));
        assert!(!is_signal(TEXT) && !is_signal(LOCATION));
    }
}

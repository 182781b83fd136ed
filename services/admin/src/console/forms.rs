//! `application/x-www-form-urlencoded` bodies as the console's forms send
//! them, repeated names (checkbox selections) included.

use axum::body::Bytes;

#[derive(Debug, Default, Clone)]
pub(crate) struct FormData(Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &Bytes) -> FormData {
        FormData(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`, trimmed; None when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.raw(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// The first value of `name` as sent.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_string()
    }

    pub fn opt(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_string)
    }

    /// Every non-blank value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }

    /// A checkbox: sent only when checked.
    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_blanks_and_escapes() {
        let f = FormData::parse(&Bytes::from_static(
            b"id=a%20b&sel=1&sel=2&sel=&name=+&on=on&url=http%3A%2F%2Fx%3Fy%3D1",
        ));
        assert_eq!(f.get("id"), Some("a b"));
        assert_eq!(f.all("sel"), ["1", "2"]);
        assert_eq!(f.get("name"), None, "blank is absent");
        assert!(f.checked("on") && !f.checked("off"));
        assert_eq!(f.text("url"), "http://x?y=1");
    }
}

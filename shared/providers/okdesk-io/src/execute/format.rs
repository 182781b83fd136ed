//! How Ponte writes values into Okdesk: phones, times in the account's
//! zone, the missed-call templates, HTML text and integer ids.

use ponte_worker::ExecError;

pub(crate) use ponte_core::call::{fill, minutes_in, shown_phone};
pub(crate) use ponte_core::text::cut;
pub(crate) use ponte_worker::effect::calls::desk_zone;

pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Plain text as HTML: escaped, line breaks kept.
pub(crate) fn html_lines(s: &str) -> String {
    html_escape(s).replace('\n', "<br>")
}

/// An Okdesk id (integers in every write) read from text, or a permanent
/// error naming where the value came from.
pub(crate) fn int_id(value: &str, what: &str) -> Result<i64, ExecError> {
    value.trim().parse().map_err(|_| {
        ExecError::permanent(format!("{what} `{value}` is not an Okdesk id (an integer)"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_cut_and_ids_read() {
        assert_eq!(html_lines("a <b>\nc"), "a &lt;b&gt;<br>c");
        assert!(int_id("12x", "assignee").is_err());
        assert_eq!(int_id(" 12 ", "assignee").ok(), Some(12));
    }
}

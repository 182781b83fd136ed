//! Which justification goes with a status change, and what to try when
//! Movidesk refuses it. A justification must belong to the status it is
//! sent with: a status that requires one is refused without it, and one
//! that has none is refused with one. Ponte cannot ask Movidesk which
//! statuses require what, so it tries, in order:
//!
//! 1. the source ticket's own justification, when it has one (both sides
//!    often share the values: no table entry is needed);
//! 2. the correlation table's justification for the receiving status;
//!    when the table has none: no justification;
//! 3. the default (also after a table entry the desk refused).
//!
//! Only a refusal that names the justification moves on to the next; the
//! last refusal is the command's error.

use ponte_core::correlation::Correlation;
use ponte_worker::ExecError;

/// The justifications to try with `status` (the receiving side's), in
/// order; `None` means "send none".
pub(super) fn candidates(
    correlation: &Correlation,
    status: &str,
    source: Option<&str>,
) -> Vec<Option<String>> {
    let given = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut out: Vec<Option<String>> = Vec::new();
    let mut push = |c: Option<String>| {
        let seen = out.iter().any(|o| match (o, &c) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (None, None) => true,
            _ => false,
        });
        if !seen {
            out.push(c);
        }
    };
    if let Some(s) = given(source) {
        push(Some(s));
    }
    match given(correlation.justification.get(status).map(String::as_str)) {
        Some(t) => push(Some(t)),
        None => push(None),
    }
    if let Some(d) = given(correlation.defaults.justification.as_deref()) {
        push(Some(d));
    }
    out
}

/// Whether Movidesk refused the change because of its justification
/// (missing, or not one of the status's).
pub(super) fn refused_for_justification(e: &ExecError) -> bool {
    match e {
        ExecError::Permanent { reason, .. } => {
            let r = reason.to_lowercase();
            r.contains("justif")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn correlation(table: &[(&str, &str)], default: Option<&str>) -> Correlation {
        let mut c = Correlation {
            justification: table
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Correlation::default()
        };
        c.defaults.justification = default.map(str::to_string);
        c
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn the_source_first_then_the_table() {
        let c = correlation(&[("Solucionado", "Resolvido pelo cliente")], Some("Outro"));
        assert_eq!(
            candidates(&c, "Solucionado", Some("Sem retorno")),
            [
                some("Sem retorno"),
                some("Resolvido pelo cliente"),
                some("Outro")
            ]
        );
        assert_eq!(
            candidates(&c, "Solucionado", Some("resolvido pelo CLIENTE")),
            [some("resolvido pelo CLIENTE"), some("Outro")],
            "the same value once"
        );
        let no_default = correlation(&[("Solucionado", "Resolvido pelo cliente")], None);
        assert_eq!(
            candidates(&no_default, "Solucionado", None),
            [some("Resolvido pelo cliente")]
        );
    }

    #[test]
    fn without_a_table_entry_none_then_the_default() {
        let c = correlation(&[], Some("Outro"));
        assert_eq!(candidates(&c, "Aberto", None), [None, some("Outro")]);
        assert_eq!(
            candidates(&c, "Fechado", Some("Sem retorno")),
            [some("Sem retorno"), None, some("Outro")]
        );
        assert_eq!(
            candidates(&correlation(&[], None), "Aberto", Some(" ")),
            [None]
        );
    }

    #[test]
    fn only_justification_refusals_move_on() {
        let refused = ExecError::Permanent {
            reason: "Movidesk 400: Status 'Solucionado' requires a justification".into(),
            status: Some(400),
        };
        assert!(refused_for_justification(&refused));
        assert!(!refused_for_justification(&ExecError::permanent(
            "Status 'X' does not exist"
        )));
        assert!(!refused_for_justification(&ExecError::Transient {
            reason: "justification timeout".into(),
            status: None,
            retry_after: None,
        }));
    }
}

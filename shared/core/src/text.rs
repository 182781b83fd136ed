//! Plain-text helpers for what Ponte writes into a desk.

/// `s` cut to at most `max` characters, an ellipsis marking the cut (desks
/// limit titles and summaries).
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_with_an_ellipsis_within_the_limit() {
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abcd", 4), "abcd");
        assert_eq!(cut("Привет, мир", 7).chars().count(), 7);
    }
}

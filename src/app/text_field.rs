//! Text typed or pasted into a one-line field (the filter now; any text field later). A paste is text, never keys:
//! it arrives whole (bracketed paste, [`crate::app::Msg::Paste`]); its newlines and tabs become spaces (a one-line
//! field keeps every word, and the filter matches words), other control characters are dropped, and the field
//! holds at most its cap — what does not fit is dropped and the caller shows the returned note. Only the first
//! [`PASTE_MAX_BYTES`] of a paste are looked at, so a 100 KB paste costs what a 4 KiB one does.

/// Most characters of the filter: a few words; bounds what each match costs.
pub const FILTER_MAX_CHARS: usize = 256;

/// Most bytes of one paste that are looked at; the rest is dropped unread.
pub const PASTE_MAX_BYTES: usize = 4096;

/// Appends `pasted` to `field`, which holds at most `max_chars` characters. Returns a note for the user when
/// something was dropped (`what` names the field: "the filter").
pub fn paste(field: &mut String, pasted: &str, max_chars: usize, what: &str) -> Option<String> {
    let mut end = pasted.len().min(PASTE_MAX_BYTES);
    while !pasted.is_char_boundary(end) {
        end -= 1;
    }
    let mut room = max_chars.saturating_sub(field.chars().count());
    let mut dropped = pasted.len() > end;
    for c in pasted[..end].chars() {
        let c = match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => continue,
            c => c,
        };
        if room == 0 {
            dropped = true;
            break;
        }
        field.push(c);
        room -= 1;
    }
    dropped.then(|| format!("paste cut: {what} holds at most {max_chars} characters"))
}

/// Appends a typed character unless the field is full. Returns a note for the user when it is.
pub fn type_char(field: &mut String, c: char, max_chars: usize, what: &str) -> Option<String> {
    if field.chars().count() >= max_chars {
        return Some(format!("{what} holds at most {max_chars} characters"));
    }
    field.push(c);
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines_and_tabs_become_spaces_and_controls_are_dropped() {
        let mut f = String::from("ks ");
        assert_eq!(
            paste(&mut f, "podinfo\nq\r\n\tx\u{1b}[2Jy", 100, "the filter"),
            None
        );
        assert_eq!(f, "ks podinfo q   x[2Jy");
    }

    #[test]
    fn a_paste_longer_than_the_room_is_cut_with_a_note() {
        let mut f = String::from("ab");
        let note = paste(&mut f, "cdefgh", 5, "the filter");
        assert_eq!(f, "abcde");
        assert_eq!(
            note.as_deref(),
            Some("paste cut: the filter holds at most 5 characters")
        );
    }

    #[test]
    fn only_the_first_bytes_of_a_huge_paste_are_read_and_a_char_is_never_split() {
        let mut f = String::new();
        let huge = "é".repeat(100_000);
        let note = paste(&mut f, &huge, usize::MAX, "the filter");
        assert_eq!(f.len(), PASTE_MAX_BYTES);
        assert!(note.is_some());
    }

    #[test]
    fn typing_into_a_full_field_is_refused() {
        let mut f = String::from("abc");
        assert!(type_char(&mut f, 'd', 3, "the filter").is_some());
        assert_eq!(f, "abc");
        assert!(type_char(&mut f, 'd', 4, "the filter").is_none());
        assert_eq!(f, "abcd");
    }
}

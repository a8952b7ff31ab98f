//! "Did you mean": the closest name among candidates, with the work per suggestion bounded.
//!
//! An edit distance costs the product of the two lengths, so nothing here compares long names:
//! a name longer than [`MAX_LEN`] characters gets no suggestion, a candidate whose length differs
//! from it by more than the allowed distance is skipped after a length test, and at most
//! [`MAX_COMPARED`] candidates are compared. One suggestion therefore costs at most
//! `MAX_COMPARED × MAX_LEN²` steps plus a length test per candidate, whatever the input.

/// Names longer than this (in characters) get no suggestion.
pub const MAX_LEN: usize = 64;

/// At most this many candidates are compared with the edit distance per suggestion.
pub const MAX_COMPARED: usize = 256;

/// The distance within which a candidate counts as close: a third of the name's length, at
/// least one.
pub fn max_distance(chars: usize) -> usize {
    (chars / 3).max(1)
}

/// The closest candidate to `name` within [`max_distance`] (ties broken by the candidate's
/// text), by optimal string alignment distance (Damerau-Levenshtein without repeated edits of
/// one substring), and whether it is the only candidate within that distance (false too when
/// the comparison budget ran out before every candidate was compared): a unique match is what
/// a fix may apply without asking.
pub fn closest_unique<'c, T>(
    name: &str,
    candidates: impl IntoIterator<Item = (&'c str, T)>,
) -> Option<(&'c str, T, bool)> {
    // A byte length bounds the character count from above, so the cheap test comes first.
    if name.len() > 4 * MAX_LEN {
        return None;
    }
    let len = name.chars().count();
    if len > MAX_LEN {
        return None;
    }
    let max = max_distance(len);
    let mut best: Option<(usize, &'c str, T)> = None;
    let mut compared = 0;
    let mut within = 0;
    let mut complete = true;
    for (c, extra) in candidates {
        if c.len() > 4 * (len + max) || c.len() + max < len {
            continue;
        }
        let clen = c.chars().count();
        if clen.abs_diff(len) > max {
            continue;
        }
        if compared == MAX_COMPARED {
            complete = false;
            break;
        }
        compared += 1;
        let d = strsim::osa_distance(name, c);
        if d > max {
            continue;
        }
        within += 1;
        let better = match &best {
            None => true,
            Some((bd, bc, _)) => (d, c) < (*bd, *bc),
        };
        if better {
            best = Some((d, c, extra));
        }
    }
    best.map(|(_, c, extra)| (c, extra, complete && within == 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_closest_within_a_third_of_the_length() {
        let names = [("question", 1), ("questions", 2), ("answer", 3)];
        assert_eq!(
            closest_unique("questoin", names),
            Some(("question", 1, false))
        );
        assert_eq!(closest_unique("zzzzzzzz", names), None);
    }

    #[test]
    fn a_match_is_unique_only_when_no_other_candidate_is_close() {
        let names = [("question", 1), ("questions", 2), ("answer", 3)];
        assert_eq!(
            closest_unique("questoin", names),
            Some(("question", 1, false))
        );
        assert_eq!(closest_unique("answr", names), Some(("answer", 3, true)));
    }

    #[test]
    fn long_names_and_far_lengths_are_not_compared() {
        let long = "a".repeat(MAX_LEN + 1);
        assert_eq!(closest_unique(&long, [(long.as_str(), ())]), None);
        assert_eq!(closest_unique("ab", [("abcdef", ())]), None);
        assert_eq!(
            closest_unique("abcd", [("abce", ())]),
            Some(("abce", (), true))
        );
    }
}

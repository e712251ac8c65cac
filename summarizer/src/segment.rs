//! Sentence segmentation that keeps byte offsets into the original text.

/// A sentence found in a text: its byte range in the original text.
///
/// `start..end` is always a valid `str` range of the text it came from, trimmed of
/// surrounding whitespace and never empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// Lower-case words that end with a period without ending the sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "vs", "etc", "e.g", "i.e", "al", "inc", "ltd", "co",
    "corp", "dept", "univ", "gen", "gov", "sen", "rep", "capt", "col", "lt", "sgt", "rev", "no", "nos", "fig", "figs",
    "vol", "pp", "approx", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "u.s", "u.k", "u.n", "a.m", "p.m", "d.c", "ph.d", "cf", "ca", "op",
];

/// Splits `text` into sentences.
///
/// Paragraphs (blank lines) and list items (lines starting with `-`, `*`, `•` or a
/// number followed by `.` or `)`) always end a sentence. Inside a paragraph a sentence
/// ends at `.`, `!`, `?` or `…` (with any closing quotes or brackets after it) when
/// whitespace and a capital letter, digit, quote or opening bracket follow, unless the
/// word before a period is a known abbreviation or a single capital initial. The CJK
/// marks `。！？` end a sentence with no whitespace after them.
pub fn split_sentences(text: &str) -> Vec<Span> {
    let mut sentences = Vec::new();
    for block in split_blocks(text) {
        split_block(text, block, &mut sentences);
    }
    sentences
}

/// Splits the text into paragraphs and list items, as untrimmed byte ranges.
fn split_blocks(text: &str) -> Vec<Span> {
    let mut blocks = Vec::new();
    let mut block_start: Option<usize> = None;
    let mut offset = 0;

    for line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let content = line.trim();

        if content.is_empty() {
            if let Some(start) = block_start.take() {
                blocks.push(Span { start, end: line_start });
            }
            continue;
        }
        if starts_list_item(content) {
            if let Some(start) = block_start.take() {
                blocks.push(Span { start, end: line_start });
            }
        }
        if block_start.is_none() {
            block_start = Some(line_start);
        }
    }
    if let Some(start) = block_start {
        blocks.push(Span { start, end: text.len() });
    }
    blocks
}

fn starts_list_item(line: &str) -> bool {
    if let Some(rest) = line.strip_prefix(['-', '*', '•']) {
        return rest.starts_with(char::is_whitespace);
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return false;
    }
    let rest = &line[digits..];
    (rest.starts_with(". ") || rest.starts_with(") ")) && rest.len() > 2
}

fn split_block(text: &str, block: Span, sentences: &mut Vec<Span>) {
    let body = &text[block.start..block.end];
    // Lower-cased text (as some corpora and transcripts are) has no capitals to mark
    // a sentence start, so any letter after a terminal and whitespace starts one.
    let lowercased = !body.chars().any(char::is_uppercase);
    let mut sentence_start = 0;
    let mut chars = body.char_indices().peekable();

    while let Some((index, ch)) = chars.next() {
        let is_cjk_terminal = matches!(ch, '。' | '！' | '？');
        if !is_cjk_terminal && !matches!(ch, '.' | '!' | '?' | '…') {
            continue;
        }

        // Absorb runs of terminals and the closing quotes or brackets after them.
        let mut end = index + ch.len_utf8();
        while let Some(&(next_index, next)) = chars.peek() {
            if matches!(next, '.' | '!' | '?' | '…' | '。' | '！' | '？') || is_closing_punctuation(next) {
                end = next_index + next.len_utf8();
                chars.next();
            } else {
                break;
            }
        }

        let rest = &body[end..];
        let ends_here = if is_cjk_terminal {
            true
        } else {
            starts_new_sentence(rest, lowercased)
                && !(ch == '.' && end == index + 1 && is_abbreviation(&body[sentence_start..index]))
                && !is_list_number(&body[sentence_start..index])
        };
        if ends_here {
            push_trimmed(block.start + sentence_start, &body[sentence_start..end], sentences);
            sentence_start = end;
        }
    }
    push_trimmed(block.start + sentence_start, &body[sentence_start..], sentences);
}

/// Returns whether the sentence so far is only a list number, as in "1. First step".
fn is_list_number(before: &str) -> bool {
    let trimmed = before.trim();
    !trimmed.is_empty() && trimmed.len() <= 3 && trimmed.bytes().all(|b| b.is_ascii_digit())
}

fn is_closing_punctuation(ch: char) -> bool {
    matches!(ch, '"' | '\'' | ')' | ']' | '}' | '»' | '”' | '’' | '」' | '』' | '）')
}

/// Returns whether the text after a terminal can start a new sentence: whitespace, then a
/// capital letter (any letter in lower-cased text), a digit, an opening quote or
/// bracket, or the end of the block.
fn starts_new_sentence(rest: &str, lowercased: bool) -> bool {
    let trimmed = rest.trim_start();
    if trimmed.is_empty() {
        return true;
    }
    if trimmed.len() == rest.len() {
        return false;
    }
    let first = trimmed.chars().next().unwrap_or(' ');
    first.is_uppercase()
        || (lowercased && first.is_alphabetic())
        || first.is_numeric()
        || matches!(first, '"' | '\'' | '(' | '[' | '“' | '‘' | '«')
        || !first.is_alphabetic() && !first.is_ascii_punctuation()
}

/// Returns whether the word that ends `before` (the text up to a period) is an abbreviation.
fn is_abbreviation(before: &str) -> bool {
    let word =
        before.rsplit(|c: char| c.is_whitespace() || matches!(c, '(' | '"' | '“' | '[' | '\'')).next().unwrap_or("");
    if word.is_empty() {
        return false;
    }
    let mut letters = word.chars();
    let first = letters.next().unwrap_or(' ');
    if first.is_uppercase() && letters.next().is_none() {
        return true;
    }
    let lower = word.to_lowercase();
    ABBREVIATIONS.contains(&lower.as_str())
}

fn push_trimmed(offset: usize, piece: &str, sentences: &mut Vec<Span>) {
    let leading = piece.len() - piece.trim_start().len();
    let trimmed = piece.trim();
    if trimmed.is_empty() {
        return;
    }
    let start = offset + leading;
    sentences.push(Span { start, end: start + trimmed.len() });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<&str> {
        split_sentences(text).into_iter().map(|s| &text[s.start..s.end]).collect()
    }

    #[test]
    fn splits_on_terminal_punctuation() {
        assert_eq!(
            sentences("It rained. Then it stopped! Did it? Yes."),
            vec!["It rained.", "Then it stopped!", "Did it?", "Yes."]
        );
    }

    #[test]
    fn keeps_abbreviations_and_initials() {
        let cases = [
            ("Mr. Smith met Dr. Jones. They talked.", 2),
            ("The U.S. economy grew. Prices fell.", 2),
            ("J. K. Rowling wrote it. It sold well.", 2),
            ("Costs rose 3.5 percent in Jan. 2020 alone. Then fell.", 2),
            ("See e.g. the report. It is long.", 2),
        ];
        for (text, expected) in cases {
            assert_eq!(sentences(text).len(), expected, "case: {text}");
        }
    }

    #[test]
    fn closing_quotes_stay_with_sentence() {
        assert_eq!(sentences("He said \"Stop.\" She left."), vec!["He said \"Stop.\"", "She left."]);
    }

    #[test]
    fn paragraphs_and_list_items_end_sentences() {
        let text = "Heading without stop\n\nFirst para\ncontinues here.\n- item one\n- item two\n1. numbered";
        assert_eq!(
            sentences(text),
            vec!["Heading without stop", "First para\ncontinues here.", "- item one", "- item two", "1. numbered"]
        );
    }

    #[test]
    fn lowercased_text_still_splits() {
        assert_eq!(
            sentences("growth slowed in 2004. the bank said rates e.g. stay flat. exports rose."),
            vec!["growth slowed in 2004.", "the bank said rates e.g. stay flat.", "exports rose."]
        );
    }

    #[test]
    fn mixed_case_text_keeps_lowercase_continuations() {
        assert_eq!(sentences("It cost 5 vs. 6 dollars. Then it fell.").len(), 2);
        assert_eq!(sentences("The file is called notes.txt and it is small.").len(), 1);
        assert_eq!(sentences("1. First step is easy."), vec!["1. First step is easy."]);
    }

    #[test]
    fn chinese_marks_end_sentences() {
        assert_eq!(sentences("今天下雨。明天晴天！真的吗？"), vec!["今天下雨。", "明天晴天！", "真的吗？"]);
    }

    #[test]
    fn offsets_point_into_original() {
        let text = "  Alpha beta.   Gamma delta!  ";
        for span in split_sentences(text) {
            let piece = &text[span.start..span.end];
            assert_eq!(piece, piece.trim());
            assert!(!piece.is_empty());
        }
    }

    #[test]
    fn whitespace_only_has_no_sentences() {
        assert!(split_sentences(" \n\n\t ").is_empty());
    }
}

//! Reduction of HTML and Markdown to plain text, with a map back to the original.
//!
//! The reduced text keeps every character of the document's visible text in order.
//! Block elements become blank lines, so they end sentences. Each byte of the reduced
//! text maps back to the byte range of the original it came from, so a sentence found
//! in the reduced text maps to a range of the original markup.

use std::ops::Range;

/// The markup language of a summarizer input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InputFormat {
    /// Plain text: summarized as it is.
    #[default]
    Plain,
    /// HTML: tags, comments, `<script>`, `<style>` and `<head>` are dropped, and
    /// character references (numeric, and the named ones of HTML 4) are decoded.
    /// The text of navigation, side boxes, footers, form controls, `<pre>` blocks,
    /// hidden elements and elements whose `class` or `id` names a cookie notice,
    /// comments, share links and the like is dropped too, unless the page has no
    /// other text.
    Html,
    /// Markdown: heading and quote markers, emphasis, strikethrough, code spans,
    /// fenced code blocks, images, link targets and labels, link reference
    /// definitions, footnote markers and backslashes before punctuation are
    /// dropped, and character references decoded. Inline HTML tags that close on
    /// their line are dropped too, and `<br>` breaks the line. Front matter (`---`
    /// YAML or `+++` TOML at the start) is dropped, and a table row loses its pipes
    /// and becomes a unit of its own. Indented code blocks and shortcut reference
    /// links (`[label]` alone) stay as text.
    Markdown,
}

/// The soft hyphen of `&shy;`, which marks where a word may break and is not shown.
mod pieces;

use pieces::{Piece, PieceMap};

const SOFT_HYPHEN: char = '\u{ad}';

/// Plain text reduced from markup, with the map back to the original.
#[derive(Debug, Default)]
pub(crate) struct Reduced {
    pub text: String,
    pieces: PieceMap,
}

impl Reduced {
    fn push_verbatim(&mut self, original: &str, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(&original[range.clone()]);
        // A piece that goes on where the last one ended, in both texts, extends it,
        // so that lines without markup take no piece each.
        if let Some(last) = self.pieces.last_mut() {
            if last.is_verbatim() && last.reduced.end == start && last.original.end == range.start {
                last.reduced.end = self.text.len();
                last.original.end = range.end;
                last.verbatim_len = last.reduced.len();
                return;
            }
        }
        let verbatim_len = range.len();
        self.pieces.push(Piece { reduced: start..self.text.len(), original: range, verbatim_len });
    }

    /// Adds the text at `range` of `original` as [`Reduced::push_verbatim`] does.
    /// After a `<br>` the line breaks of its leading whitespace become spaces, as
    /// HTML shows them.
    fn push_html_text(&mut self, original: &str, range: Range<usize>, after_break: bool) {
        let start = self.text.len();
        self.push_verbatim(original, range);
        if after_break {
            let leading = self.text[start..].len() - self.text[start..].trim_start().len();
            self.space_line_breaks(start..start + leading);
        }
    }

    /// Makes spaces of the line breaks in the whitespace at the end of the text that
    /// came from the original, before a `<br>` adds its own.
    fn space_trailing_line_breaks(&mut self) {
        let Some(last) = self.pieces.last().filter(|piece| piece.is_verbatim() && piece.reduced.end == self.text.len())
        else {
            return;
        };
        let tail_start = self.text.trim_end().len().max(last.reduced.start);
        self.space_line_breaks(tail_start..self.text.len());
    }

    /// Replaces the line breaks in `range` of the reduced text with spaces. A space
    /// takes the byte of the break it replaces, so every piece still maps byte for
    /// byte.
    fn space_line_breaks(&mut self, range: Range<usize>) {
        if self.text[range.clone()].contains(['\n', '\r']) {
            let spaced = self.text[range.clone()].replace(['\n', '\r'], " ");
            self.text.replace_range(range, &spaced);
        }
    }

    /// Cuts the reduced text back to its first `len` bytes, a char boundary.
    fn truncate(&mut self, len: usize) {
        self.text.truncate(len);
        self.pieces.truncate(len);
    }

    // Inlined so that a constant replacement ("\n\n") is copied without a call.
    #[inline]
    fn push_replacement(&mut self, replacement: &str, original: Range<usize>) {
        let start = self.text.len();
        self.text.push_str(replacement);
        // A replacement of the original text just after a verbatim piece becomes
        // that piece's end. The map stays exact, and a line that ends in a `<br>`
        // or a paragraph break takes one piece, not two.
        if let Some(last) = self.pieces.last_mut() {
            if last.is_verbatim() && last.reduced.end == start && last.original.end == original.start {
                last.reduced.end = self.text.len();
                last.original.end = original.end;
                return;
            }
        }
        self.pieces.push(Piece { reduced: start..self.text.len(), original, verbatim_len: 0 });
    }

    /// Adds the character that the reference at `original` stands for. A soft
    /// hyphen (`&shy;`) is invisible, so it adds nothing.
    fn push_decoded(&mut self, decoded: char, original: Range<usize>) {
        if decoded != SOFT_HYPHEN {
            self.push_replacement(decoded.encode_utf8(&mut [0; 4]), original);
        }
    }

    fn push_break(&mut self, at: usize) {
        if !self.text.is_empty() && !self.text.ends_with("\n\n") {
            self.push_replacement("\n\n", at..at);
        }
    }

    /// Maps the reduced byte range `range` (non-empty, within the text) to the
    /// original range that covers it. An empty text maps to `0..0`.
    pub(crate) fn original_range(&self, range: Range<usize>) -> Range<usize> {
        let (Some(first), Some(last)) = (self.pieces.piece_at(range.start), self.pieces.piece_at(range.end - 1)) else {
            return 0..0;
        };
        let start = first.original_start(range.start);
        let end = last.original_end(range.end);
        start..end.max(start)
    }
}

/// The most unmatched inline tags in a sentence that [`balance_html`] balances.
const MAX_BALANCED_TAGS: usize = 32;

/// Inline elements whose tags [`balance_html`] takes into a sentence's range.
const INLINE_ELEMENTS: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "del", "dfn", "em", "i", "ins", "kbd", "mark", "q", "s", "samp",
    "small", "span", "strong", "sub", "sup", "time", "u", "var",
];

/// Returns `range` of `html` widened so that its inline markup is balanced: over
/// the start tags just before it of the elements it closes ("<b>" of "Note:</b>
/// the service restarts."), and over the end tags just after it of the elements
/// it opens. Only tags right next to the range are taken, and only inline ones.
pub(crate) fn balance_html(html: &str, range: Range<usize>) -> Range<usize> {
    // The inline elements that the range opens and does not close, innermost last,
    // and those it closes without opening them, innermost first.
    let mut opened: Vec<String> = Vec::new();
    let mut closed: Vec<String> = Vec::new();
    let mut position = range.start;
    while let Some(offset) = html[position..range.end].find('<') {
        // A sentence nests a few inline elements; one with more is left as it is,
        // so that each end tag searches a short list.
        if opened.len() + closed.len() > MAX_BALANCED_TAGS {
            return range;
        }
        let at = position + offset;
        let Some(tag) = parse_tag(html, at).filter(|tag| tag.end <= range.end) else {
            position = at + 1;
            continue;
        };
        position = tag.end;
        if !INLINE_ELEMENTS.contains(&tag.name.as_str()) || is_void(&tag, &html[at..tag.end]) {
            continue;
        }
        if !tag.closing {
            opened.push(tag.name);
        } else if let Some(index) = opened.iter().rposition(|name| *name == tag.name) {
            opened.truncate(index);
        } else {
            closed.push(tag.name);
        }
    }

    let mut start = range.start;
    for name in &closed {
        let Some(at) = html[..start].rfind('<') else {
            break;
        };
        match parse_tag(html, at) {
            Some(tag) if tag.end == start && !tag.closing && tag.name == *name => start = at,
            _ => break,
        }
    }
    let mut end = range.end;
    for name in opened.iter().rev() {
        if !html[end..].starts_with("</") {
            break;
        }
        match parse_tag(html, end) {
            Some(tag) if tag.closing && tag.name == *name => end = tag.end,
            _ => break,
        }
    }
    start..end
}

/// Returns the index of the `)` that closes a link destination, given the text after
/// its `(`. As in CommonMark, parentheses inside the destination must be balanced
/// and a backslash escapes the next character, so `(f(x))` ends at the second `)`.
fn link_destination_end(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut escaped = false;
    for (index, byte) in text.bytes().enumerate() {
        match byte {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'(' => depth += 1,
            b')' if depth == 0 => return Some(index),
            b')' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Returns `range` of `markdown` widened so that its emphasis, code and link marks
/// are balanced. For each of `*`, `_`, `` ` `` and `~`, a range with an odd number
/// of runs of that mark takes in the run just after it, or else the one just
/// before it ("**" of "Note:** the service restarts."). The run after comes first,
/// because between two sentences with no space between them ("晴れです。**明日は**")
/// it closes the first. A range with a `]` and no `[` takes in a `[` just before
/// it, and one that ends inside a link's text takes in the rest of the link.
pub(crate) fn balance_markdown(markdown: &str, range: Range<usize>) -> Range<usize> {
    let (mut start, mut end) = (range.start, range.end);
    for mark in [b'*', b'_', b'`', b'~'] {
        let inside = &markdown.as_bytes()[start..end];
        let runs = inside
            .iter()
            .enumerate()
            .filter(|&(index, &byte)| byte == mark && (index == 0 || inside[index - 1] != mark))
            .count();
        if runs % 2 == 0 {
            continue;
        }
        let after = markdown.as_bytes()[end..].iter().take_while(|&&byte| byte == mark).count();
        if after > 0 {
            end += after;
            continue;
        }
        start -= markdown.as_bytes()[..start].iter().rev().take_while(|&&byte| byte == mark).count();
    }
    let inside = &markdown[start..end];
    if inside.contains(']') && !inside.contains('[') && markdown[..start].ends_with('[') {
        start -= 1;
    }
    // A sentence that ends inside a link's text takes in the rest of the link:
    // "Read [the guide.](http://x)" or "[the guide.][g]".
    let inside = &markdown[start..end];
    if inside.matches('[').count() > inside.matches(']').count() && markdown[end..].starts_with(']') {
        let line_end = markdown[end..].find('\n').map_or(markdown.len(), |newline| end + newline);
        let after = &markdown[end + 1..line_end];
        end += 1 + if let Some(destination) = after.strip_prefix('(') {
            link_destination_end(destination).map_or(0, |close| close + 2)
        } else if after.starts_with('[') {
            after.find(']').map_or(0, |close| close + 1)
        } else {
            0
        };
    }
    start..end
}

/// Elements whose start or end tag ends a paragraph.
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "title",
    "tr",
    "ul",
];

/// Elements whose content is not visible text.
const HIDDEN_ELEMENTS: &[&str] = &["script", "style", "head", "noscript", "template", "svg", "iframe", "object"];

/// Elements around a page's content rather than in it: navigation menus, side
/// boxes ("Related stories"), page footers ("Copyright 2026 Coast News."), photo
/// captions and form controls ("Post comment"). Their text is dropped, as reader
/// modes do, unless that leaves little visible text (see [`reduce_html`]). So is
/// code (`<pre><code>`), and a block whose letters are nearly all in links (see
/// [`MAX_LINK_SHARE`]), such as a menu or a breadcrumb trail.
const BOILERPLATE_ELEMENTS: &[&str] = &["nav", "aside", "footer", "figcaption", "button", "select", "textarea"];

/// The share of a block's letters that may be link text before the block counts as
/// a menu and is dropped. A byline ("By <a>Jane Doe</a>") stays.
const MAX_LINK_SHARE: f64 = 0.9;

/// Words of a `class` or `id` that mark an element as boilerplate too: cookie
/// notices, comment sections, share buttons, newsletter boxes, breadcrumbs,
/// related links and advertisements, and a wiki's reference lists, notes on other
/// uses and navigation boxes. Each class, and the id, counts by its first
/// word, up to a character other than a letter or digit or a capital after a
/// lower-case letter: `cookie-banner`, `share_links` and `cookieConsent` match,
/// while `shared-content`, `tag-social-media` and `layout-with-sidebar` do not.
const BOILERPLATE_WORDS: &[&str] = &[
    "ad",
    "ads",
    "advert",
    "advertisement",
    "breadcrumb",
    "breadcrumbs",
    "comment",
    "comments",
    "consent",
    "cookie",
    "cookies",
    "disqus",
    "gdpr",
    "hatnote",
    "modal",
    "navbox",
    "newsletter",
    "noprint",
    "paywall",
    "popup",
    "promo",
    "recommended",
    "references",
    "reflist",
    "related",
    "share",
    "sharing",
    "sidebar",
    "signup",
    "social",
    "sponsored",
    "subscribe",
    "subscription",
];

/// Elements that a `class` or `id` never marks as boilerplate: those that hold the
/// whole page or its content, and those whose end tag HTML lets a page leave out.
/// An `<li>` ends at the next `<li>` and a `<p>` at the next block, so dropping one
/// until its end tag would drop the rest of the page.
const UNMARKED_ELEMENTS: &[&str] = &[
    "html", "body", "main", "article", "p", "li", "dt", "dd", "tr", "td", "th", "option", "thead", "tbody", "tfoot",
    "colgroup", "caption", "rt", "rp", "optgroup",
];

/// Elements that have no content and no closing tag.
const VOID_ELEMENTS: &[&str] =
    &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"];

/// Reduces HTML to its visible text, without the text of boilerplate elements (see
/// [`BOILERPLATE_ELEMENTS`] and [`BOILERPLATE_WORDS`]) when other text is left.
pub(crate) fn reduce_html(html: &str) -> Reduced {
    let mut content = reduce_html_with(html, Boilerplate::Dropped);
    // An element that a `class` or `id` marks, holding more text than the rest of
    // the page, is the content itself: a WordPress post's classes can name
    // `tag-social-media` or `ad-free`. Only the boilerplate elements are dropped then.
    if content.largest_marked > visible_bytes(&content.reduced.text) {
        content = reduce_html_with(html, Boilerplate::ElementsDropped);
    }
    // Leaving out most of the page means the content was dropped anyway, as when a
    // boilerplate element is never closed. The whole text is the better choice then.
    let kept_visible = visible_bytes(&content.reduced.text);
    if kept_visible * MIN_KEPT_SHARE_INVERSE < kept_visible + content.dropped_visible {
        return reduce_html_with(html, Boilerplate::Kept).reduced;
    }
    content.reduced
}

/// A reduction of HTML by [`reduce_html_with`], with the sizes that choose between
/// the reductions.
struct HtmlReduction {
    reduced: Reduced,
    /// The visible bytes (see [`visible_bytes`]) of the largest element that a
    /// `class` or `id` marked as boilerplate.
    largest_marked: usize,
    /// The visible bytes of all the text left out, so that the kept text and this
    /// add up to the visible bytes of the whole page's text.
    dropped_visible: usize,
}

/// Returns the bytes of `text` that are not whitespace, so that the indentation
/// between a page's tags does not count as its text.
fn visible_bytes(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).map(char::len_utf8).sum()
}

/// Returns the visible bytes that a decoded character reference adds to the
/// reduced text, as [`Reduced::push_decoded`] adds it.
fn decoded_visible_bytes(decoded: char) -> usize {
    if decoded == SOFT_HYPHEN {
        return 0;
    }
    visible_bytes(decoded.encode_utf8(&mut [0; 4]))
}

/// The handling of boilerplate by [`reduce_html_with`].
#[derive(Clone, Copy, PartialEq)]
enum Boilerplate {
    /// Drops the boilerplate elements, the elements that a `class` or `id` marks,
    /// hidden elements, code and blocks of links.
    Dropped,
    /// Drops all of that but the elements that a `class` or `id` marks.
    ElementsDropped,
    /// Keeps all text.
    Kept,
}

/// The reduction without boilerplate is used only when it keeps at least one
/// part in this many of the page's visible text.
const MIN_KEPT_SHARE_INVERSE: usize = 4;

/// The boilerplate element whose text is being dropped: its name, how many
/// elements of that name are open, itself included, whether a `class` or `id`
/// marked it, and the bytes of text dropped in it so far.
struct Dropped {
    name: String,
    open: usize,
    marked: bool,
    text_bytes: usize,
}

impl Dropped {
    /// Returns the element that `tag` (whose source is `source`, followed by `after`)
    /// starts dropping, if it is the opening tag of a boilerplate element.
    fn starting_at(tag: &Tag, source: &str, after: &str, use_marks: bool) -> Option<Self> {
        let name = tag.name.as_str();
        if tag.closing || name.is_empty() || is_void(tag, source) {
            return None;
        }
        // `<pre><code>` is code; a `<pre>` alone may hold a whole plain-text
        // message, as on mailing-list archive pages.
        let code =
            name == "pre" && after.trim_start().get(..5).is_some_and(|start| start.eq_ignore_ascii_case("<code"));
        let boilerplate = code || BOILERPLATE_ELEMENTS.contains(&name) || is_hidden(source);
        let marked =
            !boilerplate && use_marks && !UNMARKED_ELEMENTS.contains(&name) && has_boilerplate_attribute(name, source);
        (boilerplate || marked).then(|| Dropped { name: tag.name.clone(), open: 1, marked, text_bytes: 0 })
    }

    /// Counts `tag` (whose source is `source`) and returns whether the element is
    /// still open after it.
    fn still_open_after(&mut self, tag: &Tag, source: &str) -> bool {
        if tag.name == self.name {
            if tag.closing {
                self.open -= 1;
            } else if !is_void(tag, source) {
                self.open += 1;
            }
        }
        self.open > 0
    }
}

/// Returns whether `tag` has no content: a void element or a self-closing tag.
fn is_void(tag: &Tag, source: &str) -> bool {
    VOID_ELEMENTS.contains(&tag.name.as_str()) || source.ends_with("/>")
}

/// Returns whether the `class` or `id` attribute of the tag `source` of an element
/// `name` has a word of [`BOILERPLATE_WORDS`], or is a wiki's citation mark: a
/// `<sup>` of class `reference`. Documentation generators give every link the class
/// `reference`, so only a `<sup>` goes by it.
fn has_boilerplate_attribute(name: &str, source: &str) -> bool {
    attributes(source).any(|(attribute, value)| {
        (attribute.eq_ignore_ascii_case("class") || attribute.eq_ignore_ascii_case("id"))
            && value.split_whitespace().any(|class| {
                let first_word = class.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("");
                // In camelCase the first word ends before a capital: "cookieConsent".
                let first_word = match first_word
                    .as_bytes()
                    .windows(2)
                    .position(|pair| pair[0].is_ascii_lowercase() && pair[1].is_ascii_uppercase())
                {
                    Some(last_lower) => &first_word[..=last_lower],
                    None => first_word,
                };
                BOILERPLATE_WORDS.iter().any(|known| known.eq_ignore_ascii_case(first_word))
                    || (name == "sup" && first_word.eq_ignore_ascii_case("reference"))
            })
    })
}

/// Returns whether the tag `source` hides its element: a `hidden` attribute,
/// `aria-hidden="true"`, or a `style` with `display: none` or `visibility: hidden`.
fn is_hidden(source: &str) -> bool {
    attributes(source).any(|(name, value)| {
        let squeezed = || value.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
        name.eq_ignore_ascii_case("hidden")
            || (name.eq_ignore_ascii_case("aria-hidden") && value.eq_ignore_ascii_case("true"))
            || (name.eq_ignore_ascii_case("style") && {
                let style = squeezed();
                style.contains("display:none") || style.contains("visibility:hidden")
            })
    })
}

/// Returns the attributes of the tag `source` (from its `<` to its `>`) as names and
/// values, without the quotes around a value. An attribute without a value has an
/// empty one.
fn attributes(source: &str) -> impl Iterator<Item = (&str, &str)> {
    let body = source.trim_start_matches('<').trim_end_matches('>').trim_end_matches('/');
    let mut rest = body.trim_start_matches(|c: char| !c.is_whitespace());
    std::iter::from_fn(move || {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            return None;
        }
        let name_end = rest.find(|c: char| c.is_whitespace() || c == '=').unwrap_or(rest.len());
        let name = &rest[..name_end];
        rest = rest[name_end..].trim_start();
        let Some(after) = rest.strip_prefix('=') else {
            return Some((name, ""));
        };
        let after = after.trim_start();
        let value = match after.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let inner = &after[1..];
                let end = inner.find(quote).unwrap_or(inner.len());
                rest = inner.get(end + 1..).unwrap_or("");
                &inner[..end]
            }
            _ => {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                rest = &after[end..];
                &after[..end]
            }
        };
        Some((name, value))
    })
}

/// Reduces HTML to its visible text, with or without its boilerplate.
fn reduce_html_with(html: &str, boilerplate: Boilerplate) -> HtmlReduction {
    let drop_boilerplate = boilerplate != Boilerplate::Kept;
    let mut largest_marked = 0;
    let mut dropped_visible = 0;
    let mut reduced = Reduced::default();
    let bytes = html.as_bytes();
    let mut text_start = 0;
    let mut position = 0;
    // The boilerplate element around `position`, whose text is dropped.
    let mut dropped: Option<Dropped> = None;
    let mut block = BlockLinks::default();
    // Whether the last tag was a `<br>`, so that a line break of the source after it
    // is a space.
    let mut after_break = false;

    while position < bytes.len() {
        match bytes[position] {
            b'<' => {
                let Some(tag) = parse_tag(html, position) else {
                    position += 1;
                    continue;
                };
                match &mut dropped {
                    None => {
                        block.count(&html[text_start..position]);
                        reduced.push_html_text(html, text_start..position, after_break);
                    }
                    Some(element) => {
                        let visible = visible_bytes(&html[text_start..position]);
                        element.text_bytes += visible;
                        dropped_visible += visible;
                    }
                }
                let source = &html[position..tag.end];
                after_break = tag.name == "br";
                if tag.name == "br" {
                    // A `<br>` breaks a line inside a paragraph, whose links count
                    // together, as a line break does in plain text: a sentence
                    // goes on over it, and two in a row end the paragraph. Line
                    // breaks of the source beside it are spaces, as in HTML.
                    if dropped.is_none() {
                        reduced.space_trailing_line_breaks();
                    }
                    if dropped.is_none() && !reduced.text.is_empty() && !reduced.text.ends_with("\n\n") {
                        reduced.push_replacement("\n", position..tag.end);
                    }
                } else if is_block(&tag.name) {
                    if drop_boilerplate {
                        dropped_visible += block.end(&mut reduced);
                    }
                    reduced.push_break(position);
                    // A link does not run on into the next block.
                    block.in_link = false;
                    block.start = reduced.text.len();
                }
                if tag.name == "a" {
                    // Only an `<a>` with a destination is a link; `<a name="top"/>`
                    // marks a place.
                    // Links do not nest: an `<a>` ends the one before it.
                    block.in_link = !tag.closing
                        && !is_void(&tag, source)
                        && attributes(source).any(|(name, _)| name.eq_ignore_ascii_case("href"));
                }
                position = tag.end;
                if !tag.closing && HIDDEN_ELEMENTS.contains(&tag.name.as_str()) {
                    position = skip_hidden_content(html, position, &tag.name);
                }
                if drop_boilerplate {
                    dropped = match dropped.take() {
                        Some(mut element) => {
                            let open = element.still_open_after(&tag, source);
                            if !open && element.marked {
                                largest_marked = largest_marked.max(element.text_bytes);
                            }
                            open.then_some(element)
                        }
                        None => {
                            let use_marks = boilerplate == Boilerplate::Dropped;
                            Dropped::starting_at(&tag, source, &html[position..], use_marks)
                        }
                    };
                }
                text_start = position;
            }
            b'&' => match decode_entity(&html[position..]) {
                Some((decoded, length)) => {
                    match &mut dropped {
                        None => {
                            block.count(&html[text_start..position]);
                            block.count(decoded.encode_utf8(&mut [0; 4]));
                            reduced.push_html_text(html, text_start..position, after_break);
                            after_break = false;
                            reduced.push_decoded(decoded, position..position + length);
                        }
                        Some(element) => {
                            let visible = visible_bytes(&html[text_start..position]);
                            element.text_bytes += visible + decoded.len_utf8();
                            dropped_visible += visible + decoded_visible_bytes(decoded);
                        }
                    }
                    position += length;
                    text_start = position;
                }
                None => position += 1,
            },
            _ => position = next_tag_or_reference(bytes, position + 1),
        }
    }
    if dropped.is_none() {
        block.count(&html[text_start..]);
        reduced.push_html_text(html, text_start..html.len(), after_break);
    }
    if drop_boilerplate {
        dropped_visible += block.end(&mut reduced);
    }
    if let Some(element) = dropped {
        let visible = visible_bytes(&html[text_start..]);
        dropped_visible += visible;
        if element.marked {
            largest_marked = largest_marked.max(element.text_bytes + visible);
        }
    }
    HtmlReduction { reduced, largest_marked, dropped_visible }
}

/// Returns the index of the first `<` or `&` of `bytes` at or after `from`, or the
/// length of `bytes` when there is none. Eight bytes are tested at a time, because
/// HTML text runs between tags are the bytes that a reduction steps over most.
fn next_tag_or_reference(bytes: &[u8], from: usize) -> usize {
    let mut index = from;
    while let Some(word) = crate::swar::chunk_at(bytes, index) {
        let found = crate::swar::bytes_equal(word, b'<') | crate::swar::bytes_equal(word, b'&');
        if found != 0 {
            return index + (found.trailing_zeros() / 8) as usize;
        }
        index += 8;
    }
    let rest = bytes.get(index..).unwrap_or_default();
    rest.iter().position(|&byte| byte == b'<' || byte == b'&').map_or(bytes.len(), |position| index + position)
}

/// The letters of the current block of reduced HTML, and those inside links.
#[derive(Default)]
struct BlockLinks {
    /// The offset in the reduced text where the block starts.
    start: usize,
    /// Whether a link is open.
    in_link: bool,
    letters: usize,
    link_letters: usize,
}

impl BlockLinks {
    /// Counts the letters of `text`, which the block shows.
    fn count(&mut self, text: &str) {
        let letters = text.chars().filter(|c| c.is_alphabetic()).count();
        self.letters += letters;
        if self.in_link {
            self.link_letters += letters;
        }
    }

    /// Ends the block: drops its text from `reduced` when nearly all of it is link
    /// text, and starts counting afresh. Returns the visible bytes dropped.
    fn end(&mut self, reduced: &mut Reduced) -> usize {
        let mut dropped = 0;
        if self.letters > 0 && self.link_letters as f64 >= MAX_LINK_SHARE * self.letters as f64 {
            let start = self.start.min(reduced.text.len());
            dropped = visible_bytes(&reduced.text[start..]);
            reduced.truncate(start);
        }
        self.letters = 0;
        self.link_letters = 0;
        dropped
    }
}

fn is_block(name: &str) -> bool {
    BLOCK_ELEMENTS.contains(&name)
}

/// A tag, comment or declaration found at a `<`.
struct Tag {
    /// Lower-case element name; empty for comments and declarations.
    name: String,
    closing: bool,
    /// Byte offset just past the tag.
    end: usize,
}

/// The start of a tag found at a `<`: all of it but its end.
struct TagOpening {
    /// The byte range of the element name; empty for comments and declarations.
    name: Range<usize>,
    closing: bool,
    closer: TagCloser,
    /// Byte offset where the search for the tag's end starts.
    body: usize,
}

/// The closing mark of a tag.
#[derive(Clone, Copy)]
enum TagCloser {
    /// `-->`, after a `<!--`.
    Comment,
    /// The first `>`, after a `<!` or a `<?`.
    Declaration,
    /// The first `>` outside quoted attribute values.
    Element,
}

/// Parses the tag at `start` (a `<`), or returns `None` when the `<` starts no tag,
/// as in `a < b`. A tag that is never closed runs to the end of the input.
fn parse_tag(html: &str, start: usize) -> Option<Tag> {
    let TagOpening { name, closing, closer, body } = parse_tag_opening(html, start)?;
    let name = html[name].to_ascii_lowercase();
    let end = match closer {
        TagCloser::Comment => html[body..].find("-->").map(|index| body + index + 3),
        TagCloser::Declaration => html[body..].find('>').map(|index| body + index + 1),
        TagCloser::Element => tag_end(html.as_bytes(), body),
    };
    Some(Tag { name, closing, end: end.unwrap_or(html.len()) })
}

fn parse_tag_opening(html: &str, start: usize) -> Option<TagOpening> {
    let rest = &html[start + 1..];
    if rest.starts_with("!--") {
        return Some(TagOpening { name: start..start, closing: false, closer: TagCloser::Comment, body: start + 4 });
    }
    if rest.starts_with('!') || rest.starts_with('?') {
        return Some(TagOpening {
            name: start..start,
            closing: false,
            closer: TagCloser::Declaration,
            body: start + 1,
        });
    }

    let (closing, after_slash) = match rest.strip_prefix('/') {
        Some(after) => (true, after),
        None => (false, rest),
    };
    if !after_slash.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let name_length = after_slash.find(|c: char| !c.is_ascii_alphanumeric() && c != '-').unwrap_or(after_slash.len());
    let name_start = start + 1 + usize::from(closing);
    let body = name_start + name_length;
    Some(TagOpening { name: name_start..body, closing, closer: TagCloser::Element, body })
}

/// Returns the offset just past the `>` that closes a tag whose attributes start at
/// `from`, skipping `>` inside quoted attribute values, or `None` when no `>` does.
fn tag_end(html: &[u8], from: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (index, &byte) in html[from..].iter().enumerate() {
        match (quote, byte) {
            (Some(open), _) if byte == open => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(byte),
            (None, b'>') => return Some(from + index + 1),
            _ => {}
        }
    }
    None
}

/// Returns the offset just past the end tag of the hidden element `name`, or the end
/// of the input when it is never closed.
fn skip_hidden_content(html: &str, from: usize, name: &str) -> usize {
    let closing = format!("</{name}");
    let haystack = &html.as_bytes()[from..];
    let found = haystack.windows(closing.len()).position(|window| window.eq_ignore_ascii_case(closing.as_bytes()));
    match found {
        Some(index) => tag_end(html.as_bytes(), from + index + closing.len()).unwrap_or(html.len()),
        None => html.len(),
    }
}

/// Decodes the character reference at the start of `text` (`&amp;`, `&#8217;`,
/// `&#x2019;`). Returns the character and the reference's length in bytes, or `None`
/// for an unknown name or a malformed number.
fn decode_entity(text: &str) -> Option<(char, usize)> {
    let end = text.as_bytes().iter().take(12).position(|&byte| byte == b';')?;
    let body = &text[1..end];
    let decoded = if let Some(number) = body.strip_prefix('#') {
        // Digits only: `parse` and `from_str_radix` also take a sign, as in `&#+65;`.
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) if !hex.is_empty() && hex.bytes().all(|byte| byte.is_ascii_hexdigit()) => {
                u32::from_str_radix(hex, 16).ok()?
            }
            None if !number.is_empty() && number.bytes().all(|byte| byte.is_ascii_digit()) => number.parse().ok()?,
            _ => return None,
        };
        numeric_reference(code)
    } else {
        crate::entities::named_reference(body)?
    };
    Some((decoded, end + 1))
}

/// Maps the code of a numeric character reference to the character it stands for,
/// as the HTML standard's tokenizer does: 0x80 to 0x9F are windows-1252 bytes
/// (`&#128;` is "€"), and 0, surrogates and codes above U+10FFFF become U+FFFD.
/// Unlike a browser, it also turns every other control character but tab and line
/// breaks into U+FFFD, so that markup cannot put into a summary what a plain-text
/// document may not contain.
fn numeric_reference(code: u32) -> char {
    const WINDOWS_1252: [u32; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,
        0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x9D, 0x017E, 0x0178,
    ];
    let code = match code {
        0x80..=0x9F => WINDOWS_1252[(code - 0x80) as usize],
        _ => code,
    };
    match char::from_u32(code) {
        Some(c) if !c.is_control() || matches!(c, '\t' | '\n' | '\r') => c,
        _ => char::REPLACEMENT_CHARACTER,
    }
}

/// Reduces Markdown to its visible text, line by line.
pub(crate) fn reduce_markdown(markdown: &str) -> Reduced {
    let mut reduced = Reduced::default();
    let mut offset = 0;
    let mut in_fence: Option<&str> = None;
    let front_matter_end = front_matter_end(markdown);
    // Whether the lines are rows of a table, which may leave out the outer pipes
    // (`a | b`) once its rule row (`--- | ---`) has come.
    let mut in_table = false;

    let mut lines = markdown.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        let line_start = offset;
        offset += line.len();
        if offset <= front_matter_end {
            continue;
        }
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();

        let fence = ["```", "~~~"].into_iter().find(|fence| trimmed.starts_with(fence));
        if let Some(open) = in_fence {
            if fence == Some(open) {
                in_fence = None;
            }
            continue;
        }
        if let Some(fence) = fence {
            in_fence = Some(fence);
            reduced.push_break(line_start);
            continue;
        }
        // A blank line ends a paragraph, so it stays.
        if trimmed.is_empty() {
            in_table = false;
            reduced.push_verbatim(markdown, line_start..offset);
            continue;
        }
        if is_table_rule(trimmed) {
            in_table = true;
            reduced.push_break(line_start);
            continue;
        }
        if is_thematic_break(trimmed) || is_setext_underline(trimmed) {
            reduced.push_break(line_start);
            continue;
        }
        let footnote_marker = match line_definition(trimmed) {
            Some(Definition::Link) => {
                reduced.push_break(line_start);
                continue;
            }
            Some(Definition::Footnote(length)) => length,
            None => 0,
        };
        let content_start = line_start + indent + footnote_marker + block_marker_length(&trimmed[footnote_marker..]);
        // A table row is a unit of its own, and its cell pipes are no text. A
        // header row comes just before the rule row.
        let header = lines.peek().is_some_and(|next| is_table_rule(next.trim_start()));
        in_table &= trimmed.contains('|');
        if trimmed.starts_with('|') || (trimmed.contains('|') && (in_table || header)) {
            reduced.push_break(line_start);
            for cell in table_cells(markdown, content_start..offset) {
                reduce_markdown_inline(markdown, cell, &mut reduced);
            }
            reduced.push_break(offset);
            continue;
        }
        if trimmed.starts_with('#') {
            reduced.push_break(line_start);
        }
        reduce_markdown_inline(markdown, content_start..offset, &mut reduced);
        if trimmed.starts_with('#') {
            reduced.push_break(offset);
        }
    }
    reduced
}

/// Returns the end of the front matter at the start of `markdown`, just past its
/// closing line, or 0 when there is none. Front matter is a block of YAML between
/// two `---` lines (or TOML between `+++` lines) that static site generators read,
/// such as `title: My post`, and no text. YAML may also close with `...`.
fn front_matter_end(markdown: &str) -> usize {
    let start = if markdown.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let mut lines = markdown[start..].split_inclusive('\n');
    let Some(first) = lines.next() else {
        return 0;
    };
    let fence = first.trim_end();
    if fence != "---" && fence != "+++" {
        return 0;
    }
    // Front matter opens with a key (`title: …` or `title = …`); a `---` before
    // text is a thematic break.
    let opens_with_key = lines.clone().next().is_some_and(|line| {
        let key = line.trim_end().split([':', '=']).next().unwrap_or("");
        line.contains([':', '='])
            && !key.trim().is_empty()
            && key.trim().bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'"'))
    });
    if !opens_with_key {
        return 0;
    }
    let mut end = start + first.len();
    for line in lines {
        end += line.len();
        let line = line.trim_end();
        if line == fence || (fence == "---" && line == "...") {
            return end;
        }
    }
    0
}

/// Returns the length of the heading (`## `) or quote (`> `) markers at the start of
/// a trimmed line. List markers stay, because the splitter ends a sentence at them
/// and starts the item after its marker.
fn block_marker_length(trimmed: &str) -> usize {
    let mut length = 0;
    loop {
        let rest = &trimmed[length..];
        if let Some(after) = rest.strip_prefix('>') {
            length += 1 + (after.len() - after.trim_start_matches(' ').len());
            continue;
        }
        let hashes = rest.bytes().take_while(|&byte| byte == b'#').count();
        if (1..=6).contains(&hashes) && rest[hashes..].starts_with([' ', '\t']) {
            length += hashes + 1;
        }
        return length;
    }
}

/// The definition that a Markdown line starts with.
#[derive(Debug)]
enum Definition {
    /// `[label]: destination`: a link reference definition, which is not shown.
    Link,
    /// `[^label]: text`: a footnote, whose text is shown, with the length of its
    /// marker and the spaces after it.
    Footnote(usize),
}

/// Returns the definition that the trimmed line starts with, if any.
fn line_definition(trimmed: &str) -> Option<Definition> {
    let label = trimmed.strip_prefix('[')?;
    let close = label.find("]:")?;
    if close == 0 || label[..close].contains(['[', ']']) {
        return None;
    }
    if label.starts_with('^') {
        let after = &label[close + 2..];
        let spaces = after.len() - after.trim_start_matches([' ', '\t']).len();
        return Some(Definition::Footnote(1 + close + 2 + spaces));
    }
    Some(Definition::Link)
}

/// Returns whether the trimmed line underlines the heading above it with `=`. A
/// line of `-` does so too, and is a thematic break already.
fn is_setext_underline(trimmed: &str) -> bool {
    let line = trimmed.trim_end();
    !line.is_empty() && line.bytes().all(|byte| byte == b'=')
}

/// Returns the ranges of the cells of the table row `line` of `markdown`: the text
/// between its pipes, where a pipe after a backslash is text.
fn table_cells(markdown: &str, line: Range<usize>) -> impl Iterator<Item = Range<usize>> + '_ {
    let bytes = markdown.as_bytes();
    let mut start = Some(line.start);
    std::iter::from_fn(move || {
        let cell_start = start?;
        let mut index = cell_start;
        while index < line.end {
            match bytes[index] {
                b'\\' => index += 1,
                b'|' => {
                    start = Some(index + 1);
                    return Some(cell_start..index);
                }
                _ => {}
            }
            index += 1;
        }
        start = None;
        Some(cell_start.min(line.end)..line.end)
    })
}

fn is_table_rule(trimmed: &str) -> bool {
    let line = trimmed.trim_end();
    line.contains('-') && line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ')) && line.contains('|')
}

fn is_thematic_break(trimmed: &str) -> bool {
    let line: String = trimmed.trim_end().chars().filter(|c| *c != ' ').collect();
    line.len() >= 3 && ["-", "*", "_"].iter().any(|mark| line.chars().all(|c| c.to_string() == *mark))
}

/// Copies the visible text of one Markdown line: drops emphasis and code-span marks,
/// image syntax, link targets and inline HTML tags.
fn reduce_markdown_inline(markdown: &str, range: Range<usize>, reduced: &mut Reduced) {
    let mut searches = LineSearches::new(markdown, range.clone());
    reduce_markdown_line(markdown, range, reduced, &mut searches);
}

/// The searches ahead in a Markdown line that its reduction needs.
trait MarkdownSearch {
    /// Returns the `]` that closes the `[` at `open`: the first `]` after it at which
    /// every `[` opened after it is closed, with backslash escapes skipped. So the
    /// text of `[![alt](src)](href)` ends at the second `]`.
    fn bracket_close(&mut self, open: usize) -> Option<usize>;

    /// Returns the end of a `[text](target)` link that starts at `open` (a `[`), if
    /// the line has one there: the `]` that closes it is followed by a destination.
    fn link_end(&mut self, open: usize) -> Option<usize> {
        let close = self.bracket_close(open)?;
        self.destination_end(close).map(|end| end + 1)
    }

    /// Returns the offset of the `)` that closes the destination of the `](` at
    /// `bracket`.
    fn destination_end(&mut self, bracket: usize) -> Option<usize>;

    /// Returns the end of the tag at `start` (a `<`), just past its `>`, when the
    /// line closes it.
    fn tag_end(&mut self, start: usize) -> Option<usize>;

    /// Returns the end of the code span that the run of backticks at `open` starts:
    /// just past the next run of as many backticks on the line, if there is one.
    fn code_span_end(&mut self, open: usize) -> Option<usize>;

    /// Returns whether the run of `*` or `_` at `run` pairs with another run of the
    /// same mark on the line (see [`matched_emphasis_runs`]). A mark without one is
    /// text ("5*3", "*.txt").
    fn emphasis_partner(&mut self, run: Range<usize>) -> bool;
}

/// Returns whether the run of marks at `run` of `line` is left-flanking (text, not
/// whitespace, after it) and right-flanking (text before it), the sides on which it
/// may open and close emphasis.
fn run_flanking(bytes: &[u8], line: &Range<usize>, run: &Range<usize>) -> (bool, bool) {
    let left = run.end < line.end && !bytes[run.end].is_ascii_whitespace();
    let right = run.start > line.start && !bytes[run.start - 1].is_ascii_whitespace();
    (left, right)
}

/// Returns the starts of the runs of `mark` (`*` or `_`) on `line` that pair up as
/// emphasis, in order. Going left to right, a run with text before it closes the
/// last run still open, and a run with text after it that closes none opens one.
/// A `_` between two letters or digits is part of a word. This is CommonMark's
/// delimiter pairing without its rules on run lengths and punctuation.
fn matched_emphasis_runs(bytes: &[u8], line: &Range<usize>, mark: u8) -> Vec<usize> {
    let (mut open, mut matched) = (Vec::new(), Vec::new());
    let mut index = line.start;
    while index < line.end {
        if bytes[index] != mark {
            index += 1;
            continue;
        }
        let run = index..index + bytes[index..line.end].iter().take_while(|&&byte| byte == mark).count();
        index = run.end;
        let (left, right) = run_flanking(bytes, line, &run);
        let intraword = mark == b'_'
            && run.start > line.start
            && bytes[run.start - 1].is_ascii_alphanumeric()
            && bytes.get(run.end).is_some_and(u8::is_ascii_alphanumeric);
        if intraword {
            continue;
        }
        if right {
            if let Some(opener) = open.pop() {
                matched.extend([opener, run.start]);
                continue;
            }
        }
        if left {
            open.push(run.start);
        }
    }
    matched.sort_unstable();
    matched
}

/// Copies the line `range` of `markdown` to `reduced` without its markup, finding
/// links and tags with `searches`.
fn reduce_markdown_line(
    markdown: &str,
    range: Range<usize>,
    reduced: &mut Reduced,
    searches: &mut impl MarkdownSearch,
) {
    let mut line = MarkdownLine { markdown, range: range.clone(), open_links: 0, reference_close: None };
    let mut text_start = range.start;
    let mut position = range.start;

    while position < range.end {
        match line.token_at(position, searches) {
            Token::Text => position = next_possible_markup(markdown.as_bytes(), position + 1, range.end),
            Token::Markup(length) => {
                reduced.push_verbatim(markdown, text_start..position);
                // An inline `<br>` breaks the line, as it does in HTML. At the end of
                // a line the line break after it does that already.
                if is_line_break_tag(&markdown.as_bytes()[position..position + length])
                    && !markdown[position + length..range.end].trim().is_empty()
                {
                    reduced.push_replacement("\n", position..position + length);
                }
                position += length;
                text_start = position;
            }
            Token::Unwrapped { shown, end } => {
                reduced.push_verbatim(markdown, text_start..position);
                reduced.push_verbatim(markdown, shown);
                position = end;
                text_start = end;
            }
            Token::Reference { decoded, end } => {
                reduced.push_verbatim(markdown, text_start..position);
                reduced.push_decoded(decoded, position..end);
                position = end;
                text_start = end;
            }
        }
    }
    reduced.push_verbatim(markdown, text_start..range.end.max(text_start));
}

/// Returns the index of the first byte of `bytes[from..end]` at which
/// [`MarkdownLine::token_at`] may find markup, or `end` when there is none. Every
/// other byte is text, so the reduction skips it.
fn next_possible_markup(bytes: &[u8], from: usize, end: usize) -> usize {
    bytes[from..end]
        .iter()
        .position(|byte| matches!(byte, b'\\' | b'<' | b'&' | b'`' | b'*' | b'_' | b'~' | b'[' | b'!' | b']'))
        .map_or(end, |position| from + position)
}

/// Returns whether `tag` is a `<br>` tag (`<br>`, `<br/>`, `<BR />`).
fn is_line_break_tag(tag: &[u8]) -> bool {
    tag.len() >= 4
        && tag[..3].eq_ignore_ascii_case(b"<br")
        && matches!(tag[3], b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n')
}

/// The kind of content at one position of a Markdown line.
enum Token {
    /// A byte of text.
    Text,
    /// Markup of this many bytes, which is dropped.
    Markup(usize),
    /// Markup around text, up to `end`, of which only `shown` is kept: an escaped
    /// character or an autolink.
    Unwrapped { shown: Range<usize>, end: usize },
    /// A character reference (`&eacute;`, `&#233;`) up to `end`, which stands for
    /// `decoded`.
    Reference { decoded: char, end: usize },
}

/// The state of reducing one Markdown line.
struct MarkdownLine<'a> {
    markdown: &'a str,
    range: Range<usize>,
    /// The `[` dropped because a link follows them, whose `](` is not yet reached.
    /// A `](` drops its destination only when one is open, so a lone `](` stays text.
    open_links: usize,
    /// The `]` of the reference link (`[text][label]`) whose `[` was dropped, and
    /// the end of its label.
    reference_close: Option<(usize, usize)>,
}

impl MarkdownLine<'_> {
    fn token_at(&mut self, position: usize, searches: &mut impl MarkdownSearch) -> Token {
        let (markdown, range) = (self.markdown, &self.range);
        let bytes = markdown.as_bytes();
        // A backslash before ASCII punctuation shows that character as it is.
        if bytes[position] == b'\\' && position + 1 < range.end && bytes[position + 1].is_ascii_punctuation() {
            return Token::Unwrapped { shown: position + 1..position + 2, end: position + 2 };
        }
        if let Some(end) = autolink_end(bytes, range, position) {
            return Token::Unwrapped { shown: position + 1..end - 1, end };
        }
        if bytes[position] == b'&' {
            if let Some((decoded, length)) = decode_entity(&markdown[position..range.end]) {
                return Token::Reference { decoded, end: position + length };
            }
        }
        // A code span shows its content as it is: `` `<br>` `` and `` `&amp;` `` are
        // code, not a tag and a reference.
        let run_start = position == range.start || bytes[position - 1] != b'`';
        if bytes[position] == b'`' && run_start {
            if let Some(end) = searches.code_span_end(position) {
                let run = bytes[position..range.end].iter().take_while(|&&byte| byte == b'`').count();
                return Token::Unwrapped { shown: position + run..end - run, end };
            }
        }
        let markup_length = match bytes[position] {
            // Only the first mark of a run may start markup: after a run kept as text,
            // the rest of it is text too.
            b'*' | b'_' if position > range.start && bytes[position - 1] == bytes[position] => None,
            b'*' | b'_' => emphasis_mark_length(bytes, range, position)
                .filter(|&run| searches.emphasis_partner(position..position + run)),
            b'`' => emphasis_mark_length(bytes, range, position),
            b'~' => {
                let run = bytes[position..range.end].iter().take_while(|&&byte| byte == b'~').count();
                (run >= 2).then_some(run)
            }
            b'[' if bytes.get(position + 1) == Some(&b'^') => footnote_reference_length(bytes, range, position),
            b'!' if bytes.get(position + 1) == Some(&b'[') => searches
                .link_end(position + 1)
                .or_else(|| reference_link(markdown, range, position + 1, searches).map(|(_, end)| end))
                .map(|end| end - position),
            b']' if self.reference_close.is_some_and(|(close, _)| close == position) => {
                self.reference_close.take().map(|(_, end)| end - position)
            }
            b']' if self.open_links > 0 && bytes.get(position + 1) == Some(&b'(') => {
                let length = searches.destination_end(position).map(|close| close + 1 - position);
                self.open_links -= usize::from(length.is_some());
                length
            }
            b'[' if searches.link_end(position).is_some() => {
                self.open_links += 1;
                Some(1)
            }
            b'[' if self.reference_close.is_none() => {
                self.reference_close = reference_link(markdown, range, position, searches);
                self.reference_close.map(|_| 1)
            }
            b'<' => searches.tag_end(position).map(|end| end - position),
            _ => None,
        };
        markup_length.map_or(Token::Text, Token::Markup)
    }
}

/// Returns the end of an autolink (`<https://example.com>`, `<mailto:a@b.c>`) at
/// `position`, just past its `>`: a scheme of 2 to 32 letters, digits, `+`, `.` or
/// `-`, a `:`, and no space, `<` or `>` before the `>`. Its text is the link itself.
fn autolink_end(bytes: &[u8], range: &Range<usize>, position: usize) -> Option<usize> {
    if bytes[position] != b'<' {
        return None;
    }
    let line = &bytes[position + 1..range.end];
    let scheme = line.iter().take(33).take_while(|byte| byte.is_ascii_alphanumeric() || b"+.-".contains(byte)).count();
    if !(2..=32).contains(&scheme) || !line[0].is_ascii_alphabetic() || line.get(scheme) != Some(&b':') {
        return None;
    }
    let rest = &line[scheme + 1..];
    let close = rest.iter().position(|&byte| byte == b'>' || byte == b'<' || byte.is_ascii_whitespace())?;
    (rest[close] == b'>').then_some(position + 1 + scheme + 1 + close + 1)
}

/// Returns the `]` that ends the text of a reference link (`[text][label]` or
/// `[text][]`) that starts at `open` (a `[`), and the end of its label, just past
/// its `]`. The text ends at the `]` that closes `open`, and the label, of up to 64
/// bytes without brackets, follows it at once.
fn reference_link(
    markdown: &str,
    range: &Range<usize>,
    open: usize,
    searches: &mut impl MarkdownSearch,
) -> Option<(usize, usize)> {
    let bytes = markdown.as_bytes();
    let close = searches.bracket_close(open)?;
    if bytes.get(close + 1) != Some(&b'[') || close + 2 > range.end {
        return None;
    }
    let label = &bytes[close + 2..range.end];
    let label_close = label.iter().take(65).position(|&byte| byte == b']' || byte == b'[')?;
    (label[label_close] == b']').then_some((close, close + 2 + label_close + 1))
}

/// Returns the length of a footnote reference (`[^1]`, `[^note]`) at `position`: a
/// label of up to 64 bytes without spaces or brackets.
fn footnote_reference_length(bytes: &[u8], range: &Range<usize>, position: usize) -> Option<usize> {
    let label = &bytes[position + 2..range.end];
    let close = label.iter().take(65).position(|&byte| byte == b']' || byte == b'[' || byte.is_ascii_whitespace())?;
    (close > 0 && label[close] == b']').then_some(2 + close + 1)
}

/// Returns the length of the run of emphasis or code-span marks (`*`, `_` or a
/// backtick) at `position` of the line `range`, or `None` when the run is text. A
/// `_` inside a word is text, and so is a lone `*` between spaces, which is a
/// multiplication sign or a list marker.
fn emphasis_mark_length(bytes: &[u8], range: &Range<usize>, position: usize) -> Option<usize> {
    let byte = bytes[position];
    let run = bytes[position..range.end].iter().take_while(|&&b| b == byte).count();
    let intraword = byte == b'_'
        && position > range.start
        && bytes[position - 1].is_ascii_alphanumeric()
        && bytes.get(position + run).is_some_and(u8::is_ascii_alphanumeric);
    let lone = bytes.get(position + run).is_none_or(|b| b.is_ascii_whitespace())
        && (position == range.start || bytes[position - 1].is_ascii_whitespace());
    (!intraword && !lone).then_some(run)
}

/// The searches ahead that reducing one Markdown line needs, each built on first use
/// in one pass over the line. Searching afresh at each `[` or `<` would take time
/// that grows with the square of the line's length on a long run of them.
struct LineSearches<'a> {
    markdown: &'a str,
    line: Range<usize>,
    /// The offset of each `](` on the line, with the offset of the `)` that closes
    /// its destination, or `NOT_FOUND`.
    links: Option<Vec<(usize, usize)>>,
    /// The offset of each `[` on the line, with the offset of the `]` that closes
    /// it, or `NOT_FOUND`.
    brackets: Option<Vec<(usize, usize)>>,
    /// For each offset of the line, the end of an element tag whose attributes start
    /// there (just past its `>`), or `NOT_FOUND` when the line does not close it.
    element_ends: Option<Vec<usize>>,
    /// The start of each run of backticks on the line, with the end of the code
    /// span it opens, or `NOT_FOUND`.
    code_spans: Option<Vec<(usize, usize)>>,
    /// For `*` and `_`, the result of [`matched_emphasis_runs`].
    emphasis: [Option<Vec<usize>>; 2],
    comment_end: NextMatch,
    declaration_end: NextMatch,
}

impl<'a> LineSearches<'a> {
    fn new(markdown: &'a str, line: Range<usize>) -> Self {
        LineSearches {
            markdown,
            line,
            links: None,
            brackets: None,
            element_ends: None,
            code_spans: None,
            emphasis: [None, None],
            comment_end: NextMatch::default(),
            declaration_end: NextMatch::default(),
        }
    }

    fn links(&mut self) -> &[(usize, usize)] {
        let (markdown, line) = (self.markdown, self.line.clone());
        self.links.get_or_insert_with(|| find_links(markdown, line))
    }
}

impl MarkdownSearch for LineSearches<'_> {
    fn emphasis_partner(&mut self, run: Range<usize>) -> bool {
        let bytes = self.markdown.as_bytes();
        let mark = bytes[run.start];
        let line = self.line.clone();
        let matched =
            self.emphasis[usize::from(mark == b'_')].get_or_insert_with(|| matched_emphasis_runs(bytes, &line, mark));
        matched.binary_search(&run.start).is_ok()
    }

    fn code_span_end(&mut self, open: usize) -> Option<usize> {
        let (markdown, line) = (self.markdown, self.line.clone());
        let spans = self.code_spans.get_or_insert_with(|| find_code_spans(markdown, line));
        let index = spans.binary_search_by_key(&open, |&(start, _)| start).ok()?;
        Some(spans[index].1).filter(|&end| end != NOT_FOUND)
    }

    fn bracket_close(&mut self, open: usize) -> Option<usize> {
        let (markdown, line) = (self.markdown, self.line.clone());
        let brackets = self.brackets.get_or_insert_with(|| find_brackets(markdown, line));
        let index = brackets.binary_search_by_key(&open, |&(start, _)| start).ok()?;
        Some(brackets[index].1).filter(|&close| close != NOT_FOUND)
    }

    fn destination_end(&mut self, bracket: usize) -> Option<usize> {
        let links = self.links();
        let index = links.binary_search_by_key(&bracket, |&(start, _)| start).ok()?;
        Some(links[index].1).filter(|&close| close != NOT_FOUND)
    }

    fn tag_end(&mut self, start: usize) -> Option<usize> {
        let line = &self.markdown[..self.line.end];
        let TagOpening { closer, body, .. } = parse_tag_opening(line, start)?;
        match closer {
            TagCloser::Comment => self.comment_end.find(line, body, "-->").map(|index| index + 3),
            TagCloser::Declaration => self.declaration_end.find(line, body, ">").map(|index| index + 1),
            TagCloser::Element => {
                let (bytes, line_start) = (line.as_bytes(), self.line.start);
                let ends = self.element_ends.get_or_insert_with(|| element_ends(&bytes[line_start..]));
                Some(ends[body - line_start]).filter(|&end| end != NOT_FOUND).map(|end| line_start + end)
            }
        }
    }
}

/// The next match of a pattern at or after an offset, for offsets that never
/// decrease: a search is reused until the offset passes its match.
#[derive(Default)]
struct NextMatch {
    searched: Option<(usize, Option<usize>)>,
}

impl NextMatch {
    fn find(&mut self, text: &str, from: usize, pattern: &str) -> Option<usize> {
        if let Some((searched_from, found)) = self.searched {
            if searched_from <= from && found.is_none_or(|index| index >= from) {
                return found;
            }
        }
        let found = text[from..].find(pattern).map(|index| from + index);
        self.searched = Some((from, found));
        found
    }
}

/// The mark of a search ahead that found nothing.
const NOT_FOUND: usize = usize::MAX;

/// Finds each run of backticks of a Markdown line and the end of the code span it
/// opens: just past the next run of the same length, or `NOT_FOUND`. One pass from
/// the end keeps the next run of each length.
fn find_code_spans(markdown: &str, line: Range<usize>) -> Vec<(usize, usize)> {
    let bytes = &markdown.as_bytes()[line.clone()];
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'`' {
            let length = bytes[index..].iter().take_while(|&&byte| byte == b'`').count();
            runs.push((index, length));
            index += length;
        } else {
            index += 1;
        }
    }
    let mut next_of_length: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let mut spans = vec![(0, NOT_FOUND); runs.len()];
    for (slot, &(start, length)) in runs.iter().enumerate().rev() {
        let end = next_of_length.insert(length, start).map_or(NOT_FOUND, |next| line.start + next + length);
        spans[slot] = (line.start + start, end);
    }
    spans
}

/// Finds each `[` of a Markdown line and the `]` that closes it, in one pass: open
/// brackets wait on a stack, and each `]` closes the latest. A backslash escapes the
/// next character.
fn find_brackets(markdown: &str, line: Range<usize>) -> Vec<(usize, usize)> {
    let bytes = &markdown.as_bytes()[line.clone()];
    let mut brackets: Vec<(usize, usize)> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut escaped = false;
    for (index, &byte) in bytes.iter().enumerate() {
        match byte {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'[' => {
                open.push(brackets.len());
                brackets.push((line.start + index, NOT_FOUND));
            }
            b']' => {
                if let Some(bracket) = open.pop() {
                    brackets[bracket].1 = line.start + index;
                }
            }
            _ => {}
        }
    }
    brackets
}

/// Finds each `](` of a Markdown line and the `)` that closes its destination, in one
/// pass. As in CommonMark, parentheses inside a destination must be balanced and a
/// backslash escapes the next character, so `(f(x))` ends at the second `)`. That is
/// the first `)` that brings the line's parenthesis depth back to the depth just
/// after the destination's `(`, so open destinations wait on a stack, the latest on
/// top. While a destination is open, its entry stores that depth in place of its end.
fn find_links(markdown: &str, line: Range<usize>) -> Vec<(usize, usize)> {
    let bytes = &markdown.as_bytes()[line.clone()];
    let count = bytes.windows(2).filter(|pair| *pair == b"](").count();
    let mut links: Vec<(usize, usize)> = Vec::with_capacity(count);
    let mut open: Vec<usize> = Vec::new();
    // Wraps below zero: only compared for equality, and its values stay within the
    // line's length of zero.
    let mut depth = 0usize;
    let mut escaped = false;

    for (index, &byte) in bytes.iter().enumerate() {
        if index >= 2 && bytes[index - 2..index] == *b"](" {
            open.push(links.len());
            links.push((line.start + index - 2, depth));
        }
        match byte {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'(' => depth = depth.wrapping_add(1),
            b')' => {
                while let Some(&link) = open.last().filter(|&&link| links[link].1 == depth) {
                    links[link].1 = line.start + index;
                    open.pop();
                }
                depth = depth.wrapping_sub(1);
            }
            _ => {}
        }
    }
    for link in open {
        links[link].1 = NOT_FOUND;
    }
    links
}

/// Returns, for each offset of a line and the offset just past it, where a tag whose
/// attributes start there ends, as `tag_end` finds it within the line, or
/// `NOT_FOUND` when it does not end there. One pass from the end: each entry is the
/// next entry, unless its byte is a `>` or opens a quoted value.
fn element_ends(line: &[u8]) -> Vec<usize> {
    let mut ends = vec![NOT_FOUND; line.len() + 1];
    let mut next_double_quote = None;
    let mut next_single_quote = None;

    for index in (0..line.len()).rev() {
        ends[index] = match line[index] {
            b'>' => index + 1,
            b'"' => next_double_quote.map_or(NOT_FOUND, |close: usize| ends[close + 1]),
            b'\'' => next_single_quote.map_or(NOT_FOUND, |close: usize| ends[close + 1]),
            _ => ends[index + 1],
        };
        match line[index] {
            b'"' => next_double_quote = Some(index),
            b'\'' => next_single_quote = Some(index),
            _ => {}
        }
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::split_sentences;

    #[test]
    fn html_drops_tags_scripts_and_comments() {
        let html = "<html><head><title>T</title></head><body><p>Hello <b>big</b> world.</p>\
                    <script>var x = '<p>';</script><!-- note --><p>Second&nbsp;one &amp; more.</p></body></html>";
        let reduced = reduce_html(html);
        assert_eq!(reduced.text, "Hello big world.\n\nSecond\u{a0}one & more.\n\n");
    }

    #[test]
    fn markdown_link_destination_may_hold_parentheses() {
        let markdown = "See [the link](javascript:alert(1)) here. And [f](a\\)b) there.";

        let reduced = reduce_markdown(markdown);

        assert_eq!(reduced.text, "See the link here. And f there.");
    }

    #[test]
    fn numeric_references_follow_html_rules() {
        let html = "<p>A&#128;B&#x85;C&#27;D&#0;E&#xD800;F&#x110000;G&#x81;H&#9;I&#233;J</p>";

        let reduced = reduce_html(html);

        assert_eq!(reduced.text, "A\u{20ac}B\u{2026}C\u{fffd}D\u{fffd}E\u{fffd}F\u{fffd}G\u{fffd}H\tI\u{e9}J\n\n");
    }

    #[test]
    fn html_maps_sentences_to_original_ranges() {
        let html = "<p>Hello <b>big</b> world.</p><p>It&#8217;s here.</p>";
        let reduced = reduce_html(html);
        let first = reduced.text.find("Hello").unwrap()..reduced.text.find("world.").unwrap() + "world.".len();
        assert_eq!(&html[reduced.original_range(first)], "Hello <b>big</b> world.");
        let second = reduced.text.find("It").unwrap()..reduced.text.find("here.").unwrap() + "here.".len();
        assert_eq!(&html[reduced.original_range(second)], "It&#8217;s here.");
    }

    #[test]
    fn html_keeps_less_than_sign_in_text() {
        assert_eq!(reduce_html("a < b and c > d").text, "a < b and c > d");
    }

    #[test]
    fn html_drops_navigation_side_boxes_and_footers() {
        let html = "<header><nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav></header>\
                    <article><p>Storm closes roads.</p><aside><h2>Related</h2><aside>Ads &amp; more</aside>\
                    <p>Storm season</p></aside><p>Crews clear trees.</p></article>\
                    <FOOTER>Copyright 2026 Coast News.</FOOTER><p>Last line.</p>";
        assert_eq!(reduce_html(html).text, "Storm closes roads.\n\nCrews clear trees.\n\nLast line.\n\n");
    }

    #[test]
    fn html_drops_marked_elements() {
        let html = "<body class=\"has-cookie-banner\"><div class=\"cookie-banner\"><p>We use cookies.</p></div>\
                    <article class=\"post social\"><p>Storm closes roads.</p>\
                    <img class=\"ad\" src=\"a.png\"><br class=\"share\"/><input id=\"share\" />\
                    <div id=\"comments\"><div class=\"c\"><div>Nice!</div></div><p>Agreed.</p></div>\
                    <div class=\"shared-content\">Crews clear trees.</div>\
                    <section class=\"related_links\">More storms</section><div id=\"cookieConsent\">Accept all</div>\
                    <p>Last line.</p></article></body>";
        assert_eq!(reduce_html(html).text, "Storm closes roads.\n\nCrews clear trees.\n\nLast line.\n\n");
    }

    #[test]
    fn html_balancing_leaves_sentence_with_many_unmatched_tags() {
        let html = format!("<p>Hello {}{} world.</p>", "<b>".repeat(40), "</i>".repeat(40));
        let start = html.find("Hello").unwrap();
        let end = html.find("world.").unwrap() + "world.".len();
        assert_eq!(balance_html(&html, start..end), start..end);
        let html = "<p><b>Note:</b> it restarts.</p>";
        assert_eq!(balance_html(html, 6..html.len() - 4), 3..html.len() - 4);
    }

    #[test]
    fn html_drops_wiki_citations_and_reference_lists() {
        let html = "<div class=\"hatnote\">For other uses, see <a href=\"/b\">Bee (disambiguation)</a>.</div>\
                    <p>Honey bees make honey from nectar.<sup class=\"reference\"><a href=\"#n1\">[1]</a></sup> \
                    They live in large colonies in hives and in hollow trees.\
                    <sup class=\"noprint Inline-Template\">[<a href=\"/c\">citation needed</a>]</sup></p>\
                    <ol class=\"references\"><li>Engel (1999). Bees.</li></ol>\
                    <p>Install it with <a class=\"reference internal\" href=\"#pip\">pip</a> today.</p>";
        assert_eq!(
            reduce_html(html).text,
            "Honey bees make honey from nectar. They live in large colonies in hives and in hollow trees.\n\n\
             Install it with pip today.\n\n"
        );
    }

    #[test]
    fn html_drops_captions_code_controls_and_link_lists() {
        let html = "<div><a href=\"/\">Home</a> &gt; <a href=\"/uk\">UK</a></div>\
                    <figure><img src=\"a.jpg\"><figcaption>A flooded street.</figcaption></figure>\
                    <p>By <a href=\"/jane\">Jane Doe</a></p><p>Floods hit <a href=\"/wales\">Wales</a> again.</p>\
                    <pre><code>let x = 1;</code></pre><form><textarea>Type here</textarea>\
                    <button>Post comment</button><select><option>Red</option></select></form>\
                    <ul><li><a href=\"/a\">Read more</a></li></ul>";
        assert_eq!(reduce_html(html).text, "By Jane Doe\n\nFloods hit Wales again.\n\n");
    }

    #[test]
    fn html_drops_hidden_elements() {
        let html = "<p>Shown.</p><div hidden><p>Hidden.</p></div><span aria-hidden=\"true\">Icon</span>\
                    <p style=\"color: red; display : none\">Gone.</p><p style=\"visibility:hidden\">Away.</p>\
                    <p aria-hidden=\"false\">Kept.</p>";
        assert_eq!(reduce_html(html).text, "Shown.\n\nKept.\n\n");
    }

    #[test]
    fn html_keeps_mostly_marked_content() {
        // A WordPress post's classes, an item whose end tag is left out, and a
        // mailing-list message in a bare <pre>.
        let post =
            "<h1>Coast News</h1><div class=\"post tag-social-media ad-free\"><p>The storm closed roads.</p></div>";
        assert_eq!(reduce_html(post).text, "Coast News\n\nThe storm closed roads.\n\n");
        let items = "<ul><li class=\"share\">Share<li>Tweet</ul><p>The storm closed roads.</p>";
        assert_eq!(reduce_html(items).text, "Share\n\nTweet\n\nThe storm closed roads.\n\n");
        let unclosed = "<h1>News</h1><nav>Home<p>The storm closed roads across the coast on Monday night.</p>";
        assert_eq!(
            reduce_html(unclosed).text,
            "News\n\nHome\n\nThe storm closed roads across the coast on Monday night.\n\n"
        );
        let archive = "<h1>[dev] Plan</h1><pre>Hi all,\n\nThe release moves to April.\n</pre>";
        assert_eq!(reduce_html(archive).text, "[dev] Plan\n\nHi all,\n\nThe release moves to April.\n\n\n");
    }

    #[test]
    fn html_measures_marked_content_by_visible_text() {
        // References inside the marked article and indentation outside it count
        // as they show: the article is still the larger part.
        let article = "<div class=\"post social-links\"><p>The mayor&rsquo;s office approved the flood defences.</p>\
                       <p>Engineers&#8217; plans raise the embankment by two metres.</p></div>";
        let page = format!("<p>Coast News.</p><div>{}</div><p>Contact us.</p>{article}", "\n        ".repeat(40));
        let text = reduce_html(&page).text;
        assert!(text.contains("The mayor’s office approved the flood defences."), "text {text:?}");
        assert!(text.contains("Engineers’ plans raise the embankment by two metres."), "text {text:?}");
    }

    #[test]
    fn html_link_ends_at_next_link() {
        let html = "<p>By <a href=\"/lee\">Kim Lee<a href=\"/rss\">RSS</a> for the desk.</p>\
                    <p>Engineers will raise the embankment.</p><p><a href=\"/x\">Unclosed link</p><p>Work starts in April.</p>";
        assert_eq!(
            reduce_html(html).text,
            "By Kim LeeRSS for the desk.\n\nEngineers will raise the embankment.\n\nWork starts in April.\n\n"
        );
    }

    #[test]
    fn html_link_share_counts_paragraphs() {
        let html = "<p>The minister said on Tuesday that<br><a href=\"/r\">the defences had failed</a>.</p>\
                    <p>More text.<a name=\"top\"/></p><p>Crews worked through the night.</p>\
                    <p>&#1055;&#1088;&#1080;&#1074;&#1077;&#1090; <a href=\"/x\">PDF</a>.</p><p>&#+65; and &#x; stay.</p>";
        assert_eq!(
            reduce_html(html).text,
            "The minister said on Tuesday that\nthe defences had failed.\n\nMore text.\n\n\
             Crews worked through the night.\n\nПривет PDF.\n\n&#+65; and &#x; stay.\n\n"
        );
    }

    #[test]
    fn html_source_line_breaks_beside_br_are_spaces() {
        for html in [
            "<p>The minister said that the flood defences<br>\n  had failed in three places.</p>",
            "<p>The minister said that the flood defences\n<br>had failed in three places.</p>",
        ] {
            let reduced = reduce_html(html);
            let sentences: Vec<&str> =
                split_sentences(&reduced.text).iter().map(|span| &reduced.text[span.start..span.end]).collect();
            assert_eq!(sentences.len(), 1, "html {html:?}: {sentences:?}");
            let original = reduced.original_range(0..reduced.text.trim_end().len());
            assert_eq!(&html[original.start..original.start + 3], "The", "html {html:?}");
        }
        let two = reduce_html("<p>First line<br>\n<br>\nSecond part</p>");
        assert_eq!(split_sentences(&two.text).len(), 2, "{:?}", two.text);
    }

    #[test]
    fn html_br_breaks_line_not_sentence() {
        let html = "<p>My router drops the connection every evening<br>around 8 pm.<br/>I replaced the cable\
                    <br><br>and nothing changed.</p>";
        let reduced = reduce_html(html);
        assert_eq!(
            reduced.text,
            "My router drops the connection every evening\naround 8 pm.\nI replaced the cable\n\nand nothing changed.\n\n"
        );
        let sentences: Vec<&str> =
            split_sentences(&reduced.text).iter().map(|span| &reduced.text[span.start..span.end]).collect();
        assert_eq!(
            sentences,
            [
                "My router drops the connection every evening\naround 8 pm.",
                "I replaced the cable",
                "and nothing changed."
            ]
        );
    }

    #[test]
    fn reads_attributes_of_a_tag() {
        let found: Vec<(&str, &str)> = attributes("<div data-x = 'a b' class=cookie hidden id=\"x\"/>").collect();
        assert_eq!(found, [("data-x", "a b"), ("class", "cookie"), ("hidden", ""), ("id", "x")]);
        assert_eq!(attributes("<p>").count(), 0);
        assert_eq!(attributes("<p class=\"unclosed>").collect::<Vec<_>>(), [("class", "unclosed")]);
    }

    #[test]
    fn html_keeps_lone_boilerplate() {
        let html = "<nav>Home</nav><footer><p>Only a footer &amp; a menu.</p></footer>";
        assert_eq!(reduce_html(html).text, "Home\n\nOnly a footer & a menu.\n\n");
        assert_eq!(reduce_html("<aside>Note.</aside> &nbsp; ").text, "Note.\n\n \u{a0} ");
    }

    #[test]
    fn html_ignores_stray_closing_tag() {
        assert_eq!(reduce_html("</nav>Text here.<nav>Menu</nav>").text, "Text here.\n\n");
    }

    #[test]
    fn html_skips_unclosed_script_to_end() {
        assert_eq!(reduce_html("Text.<script>never closed").text, "Text.");
    }

    #[test]
    fn markdown_drops_markers_links_and_code() {
        let markdown = "# Title\n\nSome **bold** and `code` with a [link](http://x.org).\n\n```\nlet x = 1;\n```\n> Quoted *text* here.\n![img](a.png)\nsnake_case stays.";
        let reduced = reduce_markdown(markdown);
        assert_eq!(
            reduced.text,
            "Title\n\n\n\nSome bold and code with a link.\n\nQuoted text here.\n\nsnake_case stays."
        );
    }

    #[test]
    fn markdown_blank_line_ends_paragraph() {
        let markdown = "Lena Fischer, 20 November 2026\n\nLast year our service ran on MongoDB.\n   \n| a | b |\n";
        assert_eq!(
            reduce_markdown(markdown).text,
            "Lena Fischer, 20 November 2026\n\nLast year our service ran on MongoDB.\n   \n\n\n a  b \n\n\n"
        );
        let spans = crate::split_sentences(&reduce_markdown(markdown).text);
        assert_eq!(spans.len(), 3);
    }

    #[test]
    fn markdown_reference_links_and_badges_leave_their_text() {
        let cases = [
            (
                "See the [documentation][docs] and the [examples folder](examples/) for more.",
                "See the documentation and the examples folder for more.",
            ),
            ("The badge [![docs.rs](https://docs.rs/x/badge.svg)][docs] is here.", "The badge  is here."),
            ("[![ci](badge.svg)](https://ci) and [![docs](b.svg)][docs] badges.", " and  badges."),
            ("Nested [a [b] c](u) link and [x] [y][] text.", "Nested a [b] c link and [x] y text."),
            (r"Escaped \[not a link](u) stays.", "Escaped [not a link](u) stays."),
        ];
        for (markdown, expected) in cases {
            assert_eq!(reduce_markdown(markdown).text, expected, "markdown {markdown:?}");
        }
    }

    #[test]
    fn decodes_named_references_in_html_and_markdown() {
        let html =
            "<p>Le minist&egrave;re de l&rsquo;&Eacute;ducation, 30&deg;C, soft&shy;hyphen &amp; &bogus; &#233;.</p>";
        assert_eq!(reduce_html(html).text, "Le ministère de l’Éducation, 30°C, softhyphen & &bogus; é.\n\n");
        let markdown = "Tom &amp; Jerry &mdash; caf&eacute; at 30&deg;C, soft&shy;hyphen and &bogus; or &amp";
        assert_eq!(reduce_markdown(markdown).text, "Tom & Jerry — café at 30°C, softhyphen and &bogus; or &amp");
    }

    #[test]
    fn markdown_drops_front_matter() {
        let markdown = "---\nlayout: post\ntitle: Moving off MongoDB\n---\nLast year we moved.\n";
        assert_eq!(reduce_markdown(markdown).text, "Last year we moved.\n");
        assert_eq!(reduce_markdown("\u{feff}+++\ntitle = \"x\"\n+++\nText.").text, "Text.");
        // No closing line: a thematic break and text, not front matter.
        assert_eq!(reduce_markdown("---\nNot front matter.").text, "Not front matter.");
    }

    #[test]
    fn markdown_break_is_no_front_matter() {
        let markdown = "---\nIntro paragraph is here.\n\nTitle line\n---\nBody text.\n";
        assert_eq!(reduce_markdown(markdown).text, "Intro paragraph is here.\n\nTitle line\n\n\nBody text.\n");
    }

    #[test]
    fn markdown_code_spans_show_their_content() {
        let markdown = "Use `<br>` to break, write `&amp;` for &amp;, see ``a ` b`` and `[x](y)`; `open only";
        assert_eq!(
            reduce_markdown(markdown).text,
            "Use <br> to break, write &amp; for &, see a ` b and [x](y); open only"
        );
    }

    #[test]
    fn markdown_table_rows_are_units_without_pipes() {
        let markdown =
            "Storage fell.\n| Item | Before | After |\n|---|---:|---:|\n| Disk \\| SSD | 1.4 TB | 0.6 TB |\nNext text.";
        assert_eq!(
            reduce_markdown(markdown).text,
            "Storage fell.\n\n\n Item  Before  After \n\n\n Disk | SSD  1.4 TB  0.6 TB \n\n\nNext text."
        );
    }

    #[test]
    fn markdown_table_without_outer_pipes() {
        let markdown =
            "Options:\nOption | Meaning\n--- | ---\n-q | quiet mode\n-v | verbose mode\nA | line after.\n\nText.";
        assert_eq!(
            reduce_markdown(markdown).text,
            "Options:\n\n\nOption  Meaning\n\n\n-q  quiet mode\n\n\n-v  verbose mode\n\n\nA  line after.\n\n\n\nText."
        );
    }

    #[test]
    fn markdown_keeps_marks_without_a_partner() {
        let cases = [
            ("Rate is 5*3 per day.", "Rate is 5*3 per day."),
            ("Match *.txt files in the folder.", "Match *.txt files in the folder."),
            ("Raise 5**3 once.", "Raise 5**3 once."),
            ("Call _private now.", "Call _private now."),
            ("It is *really* good and __very__ fast.", "It is really good and very fast."),
            ("**Note:** the 2*3 rule.", "Note: the 2*3 rule."),
        ];
        for (markdown, expected) in cases {
            assert_eq!(reduce_markdown(markdown).text, expected, "markdown {markdown:?}");
        }
    }

    #[test]
    fn markdown_br_tag_breaks_the_line() {
        assert_eq!(
            reduce_markdown("Line one<br>line two<BR/>three<br />four <bra>.").text,
            "Line one\nline two\nthree\nfour ."
        );
        // At the end of a line, the line break after it breaks the line once.
        assert_eq!(reduce_markdown("Line one<br>\nline two").text, "Line one\nline two");
    }

    #[test]
    fn markdown_maps_sentences_to_original_ranges() {
        let markdown = "Intro with **bold** text. Next [one](u).";
        let reduced = reduce_markdown(markdown);
        let end = reduced.text.find("text.").unwrap() + "text.".len();
        assert_eq!(&markdown[reduced.original_range(0..end)], "Intro with **bold** text.");
    }

    /// The searches of a Markdown line done afresh at each `[` and `<`, as the
    /// reduction did before it shared them: the reference for `LineSearches`.
    struct SearchingAfresh<'a> {
        markdown: &'a str,
        line: Range<usize>,
    }

    impl MarkdownSearch for SearchingAfresh<'_> {
        fn emphasis_partner(&mut self, run: Range<usize>) -> bool {
            // The pairing found afresh for each run.
            let bytes = self.markdown.as_bytes();
            matched_emphasis_runs(bytes, &self.line, bytes[run.start]).contains(&run.start)
        }

        fn code_span_end(&mut self, open: usize) -> Option<usize> {
            let bytes = &self.markdown.as_bytes()[..self.line.end];
            let run = bytes[open..].iter().take_while(|&&byte| byte == b'`').count();
            let mut index = open + run;
            while index < bytes.len() {
                let length = bytes[index..].iter().take_while(|&&byte| byte == b'`').count();
                if length == run {
                    return Some(index + length);
                }
                index += length.max(1);
            }
            None
        }

        fn bracket_close(&mut self, open: usize) -> Option<usize> {
            let bytes = self.markdown.as_bytes();
            let (mut depth, mut index) = (0usize, open + 1);
            while index < self.line.end {
                match bytes[index] {
                    b'\\' => index += 1,
                    b'[' => depth += 1,
                    b']' if depth == 0 => return Some(index),
                    b']' => depth -= 1,
                    _ => {}
                }
                index += 1;
            }
            None
        }

        fn destination_end(&mut self, bracket: usize) -> Option<usize> {
            if bracket + 2 > self.line.end || self.markdown.as_bytes()[bracket..bracket + 2] != *b"](" {
                return None;
            }
            link_destination_end(&self.markdown[bracket + 2..self.line.end]).map(|index| bracket + 2 + index)
        }

        fn tag_end(&mut self, start: usize) -> Option<usize> {
            let line = &self.markdown[..self.line.end];
            let TagOpening { closer, body, .. } = parse_tag_opening(line, start)?;
            match closer {
                TagCloser::Comment => line[body..].find("-->").map(|index| body + index + 3),
                TagCloser::Declaration => line[body..].find('>').map(|index| body + index + 1),
                TagCloser::Element => tag_end(line.as_bytes(), body),
            }
        }
    }

    /// Reduces HTML as [`reduce_html`] did before the sizes came from one pass: with
    /// a reduction that keeps everything, built each time to measure the page.
    fn reduce_html_measuring_whole(html: &str) -> Reduced {
        let mut content = reduce_html_with(html, Boilerplate::Dropped);
        if content.largest_marked > visible_bytes(&content.reduced.text) {
            content = reduce_html_with(html, Boilerplate::ElementsDropped);
        }
        let whole = reduce_html_with(html, Boilerplate::Kept).reduced;
        if visible_bytes(&content.reduced.text) * MIN_KEPT_SHARE_INVERSE < visible_bytes(&whole.text) {
            return whole;
        }
        content.reduced
    }

    proptest::proptest! {
        #[test]
        fn html_kept_and_dropped_sizes_add_up(
            html in "(<p>|</p>|<div class=\"ad\">|<div>|</div>|<nav>|</nav>|<a href=\"x\">|</a>|<br>|<pre><code>|</pre>|<span hidden>|</span>|&nbsp;|&shy;|&amp;|&#233;|&bogus;|x|Word|\\.| |\n){0,40}"
        ) {
            let whole = visible_bytes(&reduce_html_with(&html, Boilerplate::Kept).reduced.text);
            for boilerplate in [Boilerplate::Dropped, Boilerplate::ElementsDropped] {
                let reduction = reduce_html_with(&html, boilerplate);
                let kept = visible_bytes(&reduction.reduced.text);
                proptest::prop_assert_eq!(kept + reduction.dropped_visible, whole);
            }
            proptest::prop_assert_eq!(reduce_html(&html).text, reduce_html_measuring_whole(&html).text);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1_000))]
        #[test]
        fn markdown_lines_reduce_as_by_searching(
            markdown in "(\\[|\\]\\(|\\]|\\(|\\)|!\\[|<a|</a|<!--|-->|<!|<\\?|>|\"|'|\\\\|x| |\\*\\*|_|`|\n){0,60}"
        ) {
            let mut offset = 0;
            for line in markdown.split_inclusive('\n') {
                let range = offset..offset + line.len();
                offset = range.end;
                let (mut shared, mut searching) = (Reduced::default(), Reduced::default());

                reduce_markdown_inline(&markdown, range.clone(), &mut shared);
                let mut afresh = SearchingAfresh { markdown: &markdown, line: range.clone() };
                reduce_markdown_line(&markdown, range, &mut searching, &mut afresh);

                proptest::prop_assert_eq!(&shared.text, &searching.text);
                proptest::prop_assert_eq!(&shared.pieces, &searching.pieces);
            }
        }
    }

    #[test]
    fn markdown_lines_without_markup_share_one_piece() {
        let markdown = "First line here.\nSecond line here.\nThird **bold** line.";

        let reduced = reduce_markdown(markdown);

        assert_eq!(reduced.pieces.len(), 3, "pieces {:?}", reduced.pieces);
        let second = reduced.text.find("Second").unwrap()..reduced.text.find("Third").unwrap() + "Third".len();
        assert_eq!(&markdown[reduced.original_range(second)], "Second line here.\nThird");
    }

    #[test]
    fn markdown_drops_reference_and_footnote_markup() {
        let markdown = "Title\n=====\nRead the [install guide][] or [the docs][d] at <https://example.com/docs>.\n\
                        Note[^1] here. ![logo][l] ~~old~~ new. Escaped \\*stars\\* and \\[brackets\\].\n\
                        [d]: https://example.com/d\n[^1]: The footnote text.\n";

        let reduced = reduce_markdown(markdown);

        assert_eq!(
            reduced.text,
            "Title\n\n\nRead the install guide or the docs at https://example.com/docs.\n\
             Note here.  old new. Escaped *stars* and [brackets].\n\n\nThe footnote text.\n"
        );
    }

    #[test]
    fn markdown_keeps_unclosed_tag_and_lone_link_end() {
        let unclosed = "Hi there. <a b more text. End here.";
        let lone = "A lone ](x) stays. So does this) one.";
        let after_link = "A [link](x) and a later ](y) here.";

        assert_eq!(reduce_markdown(unclosed).text, unclosed);
        assert_eq!(reduce_markdown(lone).text, lone);
        assert_eq!(reduce_markdown(after_link).text, "A link and a later ](y) here.");
    }

    #[test]
    fn markdown_drops_image_inside_link() {
        let badge = "[![build](https://ci/badge.svg)](https://ci/run) Text [a [b](x)](y) end.";

        assert_eq!(reduce_markdown(badge).text, " Text a b end.");
    }

    #[test]
    fn markdown_long_runs_of_link_and_tag_openers() {
        let brackets = "[".repeat(60_000) + "](x) text";
        let tags = "<a".repeat(30_000) + " text";
        let quoted = "<a \"'".repeat(15_000) + " text";

        // Only the last `[` has a `]`, so the others stay text, as in CommonMark.
        assert_eq!(reduce_markdown(&brackets).text, "[".repeat(59_999) + " text");
        assert_eq!(reduce_markdown(&tags).text, tags);
        assert_eq!(reduce_markdown(&(tags.clone() + "\nnext")).text, tags + "\nnext");
        assert_eq!(reduce_markdown(&(quoted.clone() + "\nnext")).text, quoted + "\nnext");
    }

    /// Maps `range` of the reduced text as the map did when each replacement was a
    /// piece of its own: `pieces` are split into their verbatim part and their
    /// replacement, and looked up by binary search.
    fn original_range_of_split_pieces(pieces: &[Piece], range: Range<usize>) -> Range<usize> {
        let mut split = Vec::new();
        for piece in pieces {
            let middle = piece.reduced.start + piece.verbatim_len;
            let original_middle = piece.original.start + piece.verbatim_len;
            if piece.verbatim_len > 0 {
                split.push((piece.reduced.start..middle, piece.original.start..original_middle, true));
            }
            if middle < piece.reduced.end {
                split.push((middle..piece.reduced.end, original_middle..piece.original.end, false));
            }
        }
        let piece_at = |offset: usize| {
            let index = split.partition_point(|(reduced, _, _)| reduced.end <= offset);
            split[index.min(split.len() - 1)].clone()
        };
        let (first_reduced, first_original, first_verbatim) = piece_at(range.start);
        let (last_reduced, last_original, last_verbatim) = piece_at(range.end - 1);
        let start = if first_verbatim {
            first_original.start + (range.start - first_reduced.start)
        } else {
            first_original.start
        };
        let end =
            if last_verbatim { last_original.start + (range.end - last_reduced.start) } else { last_original.end };
        start..end.max(start)
    }

    /// Checks that every range of whole characters of `reduced` maps to the same
    /// original range as with split pieces.
    fn assert_maps_as_split_pieces(reduced: &Reduced) -> Result<(), proptest::test_runner::TestCaseError> {
        let boundaries: Vec<usize> =
            reduced.text.char_indices().map(|(index, _)| index).chain([reduced.text.len()]).collect();
        for (position, &start) in boundaries.iter().enumerate() {
            for &end in &boundaries[position + 1..] {
                proptest::prop_assert_eq!(
                    reduced.original_range(start..end),
                    original_range_of_split_pieces(&reduced.pieces.pieces(), start..end),
                    "range {:?} of {:?}",
                    start..end,
                    reduced.text
                );
            }
        }
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn html_joined_pieces_map_as_split(
            html in "(<p>|</p>|<div>|</div>|<a href=\"x\">|</a>|<br>|<br/>|<b>|</b>|&amp;|&shy;|&#233;|&eacute;|x|Word|é|\\.| |\n){0,30}"
        ) {
            assert_maps_as_split_pieces(&reduce_html(&html))?;
        }

        #[test]
        fn markdown_joined_pieces_map_as_split(
            markdown in "(\\||\\|-\\|\n|# |> |- |<br>|\\*\\*|`|\\[|\\]\\(x\\)|&amp;|&shy;|&#233;|x|Word|é|\\.| |\n){0,30}"
        ) {
            assert_maps_as_split_pieces(&reduce_markdown(&markdown))?;
        }
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn piece_map_maps_offsets_beyond_four_gib() {
        let four_gib = 1usize << 32;
        let mut map = PieceMap::default();
        for index in 0..100 {
            let original_start = four_gib + index * four_gib / 2;
            map.push(Piece {
                reduced: index * 3..index * 3 + 3,
                original: original_start..original_start + 5,
                verbatim_len: 2,
            });
        }
        let reduced = Reduced { text: "ab\n".repeat(100), pieces: map };

        let last_two = 99 * 3..99 * 3 + 3;
        let middle = 40 * 3 + 1..41 * 3 + 1;

        assert_eq!(reduced.original_range(last_two), four_gib + 99 * four_gib / 2..four_gib + 99 * four_gib / 2 + 5);
        assert_eq!(reduced.original_range(middle), four_gib + 40 * four_gib / 2 + 1..four_gib + 41 * four_gib / 2 + 1);
    }

    #[test]
    fn markdown_table_row_takes_two_pieces() {
        let rows = 1000;
        let markdown = "|h|\n|-|\n".to_owned() + &"|b|\n".repeat(rows);

        let reduced = reduce_markdown(&markdown);

        // A row takes two pieces: its cell, and the line break after its last pipe,
        // which the paragraph break joins.
        assert!(reduced.pieces.len() <= 2 * rows + 2, "{} pieces", reduced.pieces.len());
        assert!(
            reduced.pieces.packed.bytes.len() <= 4 * rows + 16,
            "{} packed bytes",
            reduced.pieces.packed.bytes.len()
        );
    }

    #[test]
    fn html_line_and_its_br_share_one_piece() {
        let lines = 1000;
        let html = "a<br>".repeat(lines);

        let reduced = reduce_html(&html);

        assert_eq!(reduced.pieces.len(), lines);
        let last_line = reduced.text.len() - 2..reduced.text.len() - 1;
        let last_break = reduced.text.len() - 1..reduced.text.len();
        assert_eq!(&html[reduced.original_range(last_line)], "a");
        assert_eq!(&html[reduced.original_range(last_break)], "<br>");
    }

    proptest::proptest! {
        #[test]
        fn next_tag_or_reference_finds_first(text in "[a<&é ]{0,40}", from in 0usize..45) {
            let bytes = text.as_bytes();
            let from = from.min(bytes.len());
            let expected = bytes[from..]
                .iter()
                .position(|&byte| byte == b'<' || byte == b'&')
                .map_or(bytes.len(), |position| from + position);

            proptest::prop_assert_eq!(next_tag_or_reference(bytes, from), expected);
        }
    }

    proptest::proptest! {
        #[test]
        fn markdown_markup_starts_where_possible(
            line in "(\\\\|<|>|<br>|<https://e.org>|&|&amp;|`|`x`|\\*|\\*x\\*|_|~~|\\[|\\]|\\(|\\)|!|!\\[x\\]\\(y\\)|\\[x\\]\\[y\\]|\\[\\^1\\]|:|x|é| ){0,30}"
        ) {
            let range = 0..line.len();
            let mut searches = LineSearches::new(&line, range.clone());
            for (position, _) in line.char_indices() {
                if next_possible_markup(line.as_bytes(), position, line.len()) == position {
                    continue;
                }
                for (open_links, reference_close) in [(0, None), (1, Some((position, line.len())))] {
                    let mut state = MarkdownLine { markdown: &line, range: range.clone(), open_links, reference_close };
                    let token = state.token_at(position, &mut searches);
                    proptest::prop_assert!(matches!(token, Token::Text), "byte {} of {:?}", position, line);
                }
            }
        }
    }

    #[test]
    fn html_link_block_cut_over_packed_pieces() {
        let kept_text = "Kept text. ".repeat(20);
        let links = "w&amp;".repeat(4 * pieces::PACKING_BATCH);
        let html = format!("<p>{kept_text}</p><div><a href=\"x\">{links}</a></div><p>After it.</p>");

        let reduced = reduce_html(&html);

        assert_eq!(reduced.text, format!("{kept_text}\n\nAfter it.\n\n"));
        let after = reduced.text.find("After").unwrap()..reduced.text.find("it.").unwrap() + "it.".len();
        assert_eq!(&html[reduced.original_range(after)], "After it.");
        let kept = 0..kept_text.len();
        assert_eq!(&html[reduced.original_range(kept)], kept_text);
    }
}

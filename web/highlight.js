// Splits a text into plain and highlighted pieces from UTF-8 byte offsets, the
// offsets the API gives for each summary sentence. JavaScript strings index UTF-16
// code units, so the offsets are applied to the text's UTF-8 bytes instead.

const encoder = new TextEncoder();
// fatal: an offset inside a multi-byte character throws instead of decoding to U+FFFD.
// ignoreBOM: a text that starts with U+FEFF keeps it.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Splits `text` at the byte ranges `[start, end)` of `sentences`.
 *
 * Returns pieces in text order, each `{text, sentence}` where `sentence` is the index
 * in `sentences` of a highlighted piece and `null` for text between sentences. The
 * pieces joined give back `text`.
 *
 * Throws a RangeError when a range is outside the text, empty, overlaps another one
 * or does not fall on character boundaries.
 */
export function splitByByteRanges(text, sentences) {
  const bytes = encoder.encode(text);
  const ranges = sentences
    .map((sentence, index) => ({ start: sentence.start, end: sentence.end, index }))
    .sort((a, b) => a.start - b.start);

  const pieces = [];
  let cursor = 0;
  for (const range of ranges) {
    const { start, end, index } = range;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < cursor || end <= start || end > bytes.length) {
      throw new RangeError(
        `Sentence ${index + 1} has byte offsets ${start} to ${end}, which are outside the text of ` +
          `${bytes.length} bytes or overlap another sentence.`,
      );
    }
    if (start > cursor) {
      pieces.push({ text: decode(bytes, cursor, start, index), sentence: null });
    }
    pieces.push({ text: decode(bytes, start, end, index), sentence: index });
    cursor = end;
  }
  if (cursor < bytes.length) {
    pieces.push({ text: decode(bytes, cursor, bytes.length, null), sentence: null });
  }
  return pieces;
}

function decode(bytes, start, end, index) {
  try {
    return decoder.decode(bytes.subarray(start, end));
  } catch {
    const rangeName = index === null ? "The last sentence" : `Sentence ${index + 1}`;
    throw new RangeError(`${rangeName} has a byte offset inside a character (${start} to ${end}).`);
  }
}

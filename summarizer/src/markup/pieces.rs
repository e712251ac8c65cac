//! The map from reduced text back to the markup it came from: its pieces, of
//! which all but the latest are packed in a few bytes each.

use std::ops::Range;

/// A part of the reduced text and the part of the original it came from. The first
/// `verbatim_len` bytes were copied from the original and map byte for byte. The
/// rest of the piece, if any, is one replacement (a decoded entity, a line or
/// paragraph break) and maps as a whole to the rest of `original`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Piece {
    pub(super) reduced: Range<usize>,
    pub(super) original: Range<usize>,
    pub(super) verbatim_len: usize,
}

impl Piece {
    /// Returns whether all of the piece was copied from the original.
    pub(super) fn is_verbatim(&self) -> bool {
        self.verbatim_len == self.reduced.len()
    }

    /// Returns where the reduced text from `offset` on starts in the original.
    pub(super) fn original_start(&self, offset: usize) -> usize {
        let into = offset.saturating_sub(self.reduced.start);
        self.original.start + into.min(self.verbatim_len)
    }

    /// Returns where the reduced text up to `end` ends in the original.
    pub(super) fn original_end(&self, end: usize) -> usize {
        let into = end.saturating_sub(self.reduced.start);
        if into <= self.verbatim_len {
            self.original.start + into
        } else {
            self.original.end
        }
    }

    /// Cuts the piece to end at byte `len` of the reduced text, which lies inside it.
    pub(super) fn cut(&mut self, len: usize) {
        let kept = len - self.reduced.start;
        if kept <= self.verbatim_len {
            self.verbatim_len = kept;
            self.original.end = self.original.start + kept;
        } else {
            // A replacement cut inside keeps at least its start in the original.
            let cut = self.reduced.end - len;
            self.original.end = self.original.end.saturating_sub(cut).max(self.original.start + self.verbatim_len);
        }
        self.reduced.end = len;
    }
}

/// The packed pieces between two checkpoints of [`PackedPieces`]. A lookup decodes
/// at most this many pieces after a binary search of the checkpoints.
const CHECKPOINT_INTERVAL: usize = 64;

/// The pieces that a [`PieceMap`] packs at a time, once twice as many are unpacked.
/// A page of fewer than twice this many pieces, about 80 KiB of them, is never
/// packed, so it takes no time to pack. Unit tests pack small batches, so that
/// they run the packing too.
#[cfg(not(test))]
pub(super) const PACKING_BATCH: usize = 1024;
#[cfg(test)]
pub(super) const PACKING_BATCH: usize = 4;

/// The pieces of a reduced text in order, which cover it without gaps. All but the
/// latest are packed in a few bytes each, because a document of tiny units
/// (one-word table rows or lines) has a piece for every few bytes. As plain ranges,
/// at 40 bytes a piece, the map would take many times the memory of the document.
#[derive(Debug, Default, PartialEq)]
pub(super) struct PieceMap {
    pub(super) packed: PackedPieces,
    /// The latest pieces, fewer than twice [`PACKING_BATCH`]. They stay unpacked so
    /// that the next text can extend the last one and cutting a block of links
    /// needs no search. It is empty only when the map is.
    pub(super) unpacked: Vec<Piece>,
}

impl PieceMap {
    pub(super) fn last(&self) -> Option<&Piece> {
        self.unpacked.last()
    }

    pub(super) fn last_mut(&mut self) -> Option<&mut Piece> {
        self.unpacked.last_mut()
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.packed.count + self.unpacked.len()
    }

    #[inline]
    pub(super) fn push(&mut self, piece: Piece) {
        self.unpacked.push(piece);
        if self.unpacked.len() == 2 * PACKING_BATCH {
            self.pack_batch();
        }
    }

    /// Packs the oldest [`PACKING_BATCH`] unpacked pieces.
    #[cold]
    pub(super) fn pack_batch(&mut self) {
        for piece in self.unpacked.drain(..PACKING_BATCH) {
            self.packed.push(&piece);
        }
    }

    /// Returns the piece that contains byte `offset` of the reduced text, or the
    /// last piece when none does. Returns `None` when the map is empty.
    pub(super) fn piece_at(&self, offset: usize) -> Option<Piece> {
        let first_unpacked = self.unpacked.first()?;
        if offset < first_unpacked.reduced.start {
            return Some(self.packed.find(offset).2);
        }
        let index = self.unpacked.partition_point(|piece| piece.reduced.end <= offset);
        Some(self.unpacked[index.min(self.unpacked.len() - 1)].clone())
    }

    /// Cuts the map back to the first `len` bytes of the reduced text.
    pub(super) fn truncate(&mut self, len: usize) {
        let Some(first_unpacked) = self.unpacked.first() else {
            return;
        };
        if first_unpacked.reduced.start < len {
            while self.unpacked.last().is_some_and(|piece| piece.reduced.start >= len) {
                self.unpacked.pop();
            }
            if let Some(last) = self.unpacked.last_mut().filter(|piece| piece.reduced.end > len) {
                last.cut(len);
            }
            return;
        }
        if len == 0 {
            *self = PieceMap::default();
            return;
        }

        // The packed piece that contains the last byte kept becomes the only unpacked
        // one.
        let (index, cursor, mut piece) = self.packed.find(len - 1);
        if piece.reduced.end > len {
            piece.cut(len);
        }
        self.packed.truncate(index, cursor);
        self.unpacked.clear();
        self.unpacked.push(piece);
    }
}

/// Pieces packed as LEB128 numbers, each relative to the piece before it. A piece
/// starts with its verbatim length and a 2-bit code for its replacement. The
/// lengths of the replacement in the two texts follow where the code does not give
/// them, and then the distance from the end of the piece before it in the
/// original, with a sign bit. A small piece takes 2 to 4 bytes. Any offset that a
/// `usize` can contain packs exactly, so a text over 4 GiB maps as any other.
#[derive(Debug, Default, PartialEq)]
pub(super) struct PackedPieces {
    pub(super) bytes: Vec<u8>,
    count: usize,
    /// The cursor at every [`CHECKPOINT_INTERVAL`]th piece, from the first.
    pub(super) checkpoints: Vec<Cursor>,
    /// The cursor just past the last piece.
    end: Cursor,
}

/// The start of a packed piece: its first byte in [`PackedPieces::bytes`], its
/// start in the reduced text, and the end in the original of the piece before it
/// (0 for the first piece).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(super) struct Cursor {
    pub(super) byte: usize,
    reduced: usize,
    original: usize,
}

/// Codes for a piece's replacement, in the low bits of the piece's first number.
const NO_REPLACEMENT: u8 = 0;
/// A replacement of one byte, such as the line break of a `<br>`, whose length in
/// the original follows.
const ONE_BYTE_REPLACEMENT: u8 = 1;
/// A paragraph break: two bytes that replace nothing of the original.
const PARAGRAPH_BREAK: u8 = 2;
/// Any other replacement, whose lengths in the reduced text and the original follow.
const OTHER_REPLACEMENT: u8 = 3;

impl PackedPieces {
    pub(super) fn push(&mut self, piece: &Piece) {
        if self.count.is_multiple_of(CHECKPOINT_INTERVAL) {
            self.checkpoints.push(self.end);
        }

        let replacement_reduced = piece.reduced.len() - piece.verbatim_len;
        let replacement_original = piece.original.len() - piece.verbatim_len;
        let code = match (replacement_reduced, replacement_original) {
            (0, 0) => NO_REPLACEMENT,
            (1, _) => ONE_BYTE_REPLACEMENT,
            (2, 0) => PARAGRAPH_BREAK,
            _ => OTHER_REPLACEMENT,
        };
        write_leb128(&mut self.bytes, piece.verbatim_len, code, 2);
        if code == OTHER_REPLACEMENT {
            write_leb128(&mut self.bytes, replacement_reduced, 0, 0);
        }
        if code == ONE_BYTE_REPLACEMENT || code == OTHER_REPLACEMENT {
            write_leb128(&mut self.bytes, replacement_original, 0, 0);
        }
        match piece.original.start.checked_sub(self.end.original) {
            Some(forward) => write_leb128(&mut self.bytes, forward, 0, 1),
            None => write_leb128(&mut self.bytes, self.end.original - piece.original.start, 1, 1),
        }

        self.count += 1;
        self.end = Cursor { byte: self.bytes.len(), reduced: piece.reduced.end, original: piece.original.end };
    }

    /// Decodes the piece at `cursor` and moves the cursor to the next one.
    pub(super) fn unpack(&self, cursor: &mut Cursor) -> Piece {
        let (verbatim_len, code) = read_leb128(&self.bytes, &mut cursor.byte, 2);
        let (replacement_reduced, replacement_original) = match code {
            NO_REPLACEMENT => (0, 0),
            ONE_BYTE_REPLACEMENT => (1, read_leb128(&self.bytes, &mut cursor.byte, 0).0),
            PARAGRAPH_BREAK => (2, 0),
            _ => {
                let reduced = read_leb128(&self.bytes, &mut cursor.byte, 0).0;
                (reduced, read_leb128(&self.bytes, &mut cursor.byte, 0).0)
            }
        };
        let (distance, backward) = read_leb128(&self.bytes, &mut cursor.byte, 1);
        let original_start = if backward == 1 { cursor.original - distance } else { cursor.original + distance };

        let piece = Piece {
            reduced: cursor.reduced..cursor.reduced + verbatim_len + replacement_reduced,
            original: original_start..original_start + verbatim_len + replacement_original,
            verbatim_len,
        };
        cursor.reduced = piece.reduced.end;
        cursor.original = piece.original.end;
        piece
    }

    /// Returns the index and the cursor of the piece that contains byte `offset` of
    /// the reduced text, or of the last piece when none does, and the piece. There must
    /// be at least one piece.
    pub(super) fn find(&self, offset: usize) -> (usize, Cursor, Piece) {
        // The first checkpoint is at offset 0, so the search finds at least one.
        let checkpoint = self.checkpoints.partition_point(|cursor| cursor.reduced <= offset).max(1) - 1;
        let mut index = checkpoint * CHECKPOINT_INTERVAL;
        let mut cursor = self.checkpoints[checkpoint];
        loop {
            let start = cursor;
            let piece = self.unpack(&mut cursor);
            if piece.reduced.end > offset || cursor.byte >= self.bytes.len() {
                return (index, start, piece);
            }
            index += 1;
        }
    }

    /// Keeps the first `count` pieces, which end at `end`.
    pub(super) fn truncate(&mut self, count: usize, end: Cursor) {
        self.bytes.truncate(end.byte);
        self.count = count;
        self.checkpoints.truncate(count.div_ceil(CHECKPOINT_INTERVAL));
        self.end = end;
    }
}

/// Appends `value` to `bytes` as unsigned LEB128 (7 bits a byte, low bits first),
/// with `tag` in the `tag_bits` low bits of the first byte before the value's bits.
fn write_leb128(bytes: &mut Vec<u8>, value: usize, tag: u8, tag_bits: u32) {
    let first_bits = 7 - tag_bits;
    let mut byte = tag | ((value & ((1 << first_bits) - 1)) as u8) << tag_bits;
    let mut rest = value >> first_bits;
    while rest != 0 {
        bytes.push(byte | 0x80);
        byte = (rest & 0x7f) as u8;
        rest >>= 7;
    }
    bytes.push(byte);
}

/// Reads a number that [`write_leb128`] wrote at `position` of `bytes` with
/// `tag_bits`, and moves the position past it. Returns the value and the tag.
fn read_leb128(bytes: &[u8], position: &mut usize, tag_bits: u32) -> (usize, u8) {
    let first = bytes[*position];
    *position += 1;
    let tag = first & ((1 << tag_bits) - 1);
    let mut value = usize::from((first & 0x7f) >> tag_bits);
    let mut shift = 7 - tag_bits;
    let mut byte = first;
    while byte & 0x80 != 0 {
        byte = bytes[*position];
        *position += 1;
        value |= usize::from(byte & 0x7f) << shift;
        shift += 7;
    }
    (value, tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    impl PieceMap {
        /// Returns all the pieces of the map, unpacked.
        pub(in crate::markup) fn pieces(&self) -> Vec<Piece> {
            let mut cursor = Cursor::default();
            let mut pieces = Vec::new();
            while cursor.byte < self.packed.bytes.len() {
                pieces.push(self.packed.unpack(&mut cursor));
            }
            pieces.extend(self.unpacked.iter().cloned());
            pieces
        }
    }

    /// A change to a map. A push gives the piece's verbatim length, the lengths of
    /// its replacement in the reduced text and the original, and its distance from
    /// the end of the piece before it in the original. A cut keeps the given share
    /// of the reduced text, in thousandths.
    #[derive(Debug, Clone)]
    enum MapChange {
        Push { verbatim_len: usize, replacement_reduced: usize, replacement_original: usize, distance: i64 },
        Truncate(usize),
    }

    fn map_changes() -> impl proptest::strategy::Strategy<Value = Vec<MapChange>> {
        use proptest::strategy::Strategy;
        let push = (0usize..300, proptest::sample::select(vec![0usize, 0, 1, 2, 3, 200]), 0usize..70, -50i64..200)
            .prop_map(|(verbatim_len, replacement_reduced, replacement_original, distance)| MapChange::Push {
                verbatim_len,
                replacement_reduced: replacement_reduced.max(usize::from(verbatim_len == 0)),
                replacement_original,
                distance,
            });
        let truncate = (0usize..=1000).prop_map(MapChange::Truncate);
        proptest::collection::vec(proptest::prop_oneof![8 => push, 1 => truncate], 0..200)
    }

    proptest::proptest! {
        #[test]
        fn piece_map_matches_plain_list(
            changes in map_changes(),
            base in proptest::sample::select(vec![0usize, usize::MAX / 2]),
        ) {
            let (mut map, mut list) = (PieceMap::default(), Vec::<Piece>::new());
            for change in changes {
                let reduced_end = list.last().map_or(0, |piece: &Piece| piece.reduced.end);
                match change {
                    MapChange::Push { verbatim_len, replacement_reduced, replacement_original, distance } => {
                        let original_end = list.last().map_or(base, |piece| piece.original.end);
                        let original_start = original_end.saturating_add_signed(distance as isize);
                        let piece = Piece {
                            reduced: reduced_end..reduced_end + verbatim_len + replacement_reduced,
                            original: original_start..original_start + verbatim_len + replacement_original,
                            verbatim_len,
                        };
                        map.push(piece.clone());
                        list.push(piece);
                    }
                    MapChange::Truncate(thousandths) => {
                        let len = reduced_end * thousandths / 1000;
                        map.truncate(len);
                        list.retain(|piece| piece.reduced.start < len);
                        if let Some(last) = list.last_mut().filter(|piece| piece.reduced.end > len) {
                            last.cut(len);
                        }
                    }
                }
                proptest::prop_assert_eq!(map.pieces(), list.clone());
            }

            proptest::prop_assert_eq!(map.len(), list.len());
            for piece in &list {
                proptest::prop_assert_eq!(map.piece_at(piece.reduced.start), Some(piece.clone()));
                proptest::prop_assert_eq!(map.piece_at(piece.reduced.end - 1), Some(piece.clone()));
            }
        }
    }
}

//! Tests on eight bytes at a time in one `u64` (SIMD within a register), which the
//! scanners of text use to step over runs of plain ASCII.

/// The byte 0x01 in each of the eight bytes.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of each of the eight bytes.
pub(crate) const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Returns the eight bytes of `bytes` from `index` on as a little-endian `u64`,
/// so that byte `i` of the text is byte `i` of the number, or `None` when fewer
/// than eight bytes are left.
#[inline(always)]
pub(crate) fn chunk_at(bytes: &[u8], index: usize) -> Option<u64> {
    // Callers pass an index of the slice, at most `isize::MAX`, so adding 8 cannot
    // overflow.
    let chunk = bytes.get(index..index + 8)?;
    Some(u64::from_le_bytes(chunk.try_into().expect("a chunk has 8 bytes")))
}

/// Sets the high bit of the lowest zero byte of `word`, and maybe of bytes above
/// it, which a borrow can reach, but of no byte below it. So the lowest bit set,
/// if any, marks the first zero byte exactly.
#[inline(always)]
pub(crate) fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & HIGH_BITS
}

/// Sets the high bit of the first byte of `word` that equals `byte`, as
/// [`zero_bytes`] does for zero bytes.
#[inline(always)]
pub(crate) fn bytes_equal(word: u64, byte: u8) -> u64 {
    zero_bytes(word ^ (ONES * u64::from(byte)))
}

/// Returns the index of the first byte of `bytes` that equals `byte`, as
/// `bytes.iter().position(|&other| other == byte)` does, testing eight bytes at a
/// time.
pub(crate) fn find_byte(bytes: &[u8], byte: u8) -> Option<usize> {
    let mut index = 0;
    while let Some(word) = chunk_at(bytes, index) {
        let found = bytes_equal(word, byte);
        if found != 0 {
            return Some(index + (found.trailing_zeros() / 8) as usize);
        }
        index += 8;
    }
    bytes[index..].iter().position(|&other| other == byte).map(|position| index + position)
}

/// Sets the high bit of each byte of `word` from `low` up to but not including
/// `end`, for a `word` of ASCII bytes (below 0x80) and `low < end <= 0x80`. A
/// byte below 0x80 plus at most 0x80 stays below 0x100, so no carry crosses into
/// the next byte and each high bit is exact.
#[inline(always)]
pub(crate) fn ascii_bytes_in_range(word: u64, low: u8, end: u8) -> u64 {
    let from_low = word.wrapping_add(ONES * u64::from(0x80 - low));
    let from_end = word.wrapping_add(ONES * u64::from(0x80 - end));
    from_low & !from_end & HIGH_BITS
}

/// Returns whether every byte of `bytes` is ASCII, as `<[u8]>::is_ascii` does.
///
/// The standard library tests blocks of 64 bytes with SIMD and then the bytes
/// after the last block one at a time, which took most of its instructions on
/// sentences of about 140 bytes. Here the bytes after the blocks are tested eight
/// at a time, the last eight overlapping the ones before.
#[inline(always)]
pub(crate) fn is_ascii(bytes: &[u8]) -> bool {
    let len = bytes.len();
    if len < 8 {
        return pack_short(bytes) & HIGH_BITS == 0;
    }
    let blocks = len & !63;
    if !bytes[..blocks].is_ascii() {
        return false;
    }
    let mut seen = 0;
    let mut index = blocks;
    while let Some(chunk) = chunk_at(bytes, index) {
        seen |= chunk;
        index += 8;
    }
    // The last eight bytes, some of which the loop may have tested already.
    if let Some(chunk) = chunk_at(bytes, len - 8) {
        seen |= chunk;
    }
    seen & HIGH_BITS == 0
}

/// Packs a key of up to 8 bytes into an integer, little-endian with zero bytes
/// after it, in a few loads where a copy into a buffer would call `memcpy`. Two
/// keys that differ only in trailing zero bytes pack alike, so an equal packing
/// also needs an equal length.
pub(crate) fn pack_short(key: &[u8]) -> u64 {
    let len = key.len();
    debug_assert!(len <= 8);
    let load_u32 = |at: usize| u64::from(u32::from_le_bytes([key[at], key[at + 1], key[at + 2], key[at + 3]]));
    match len {
        // Two loads that overlap in the middle: the overlapping bytes land on the
        // same places from both, so OR-ing them is exact.
        4..=8 => load_u32(0) | load_u32(len - 4) << ((len - 4) * 8),
        2 | 3 => {
            let head = u64::from(u16::from_le_bytes([key[0], key[1]]));
            head | u64::from(key[len - 1]) << ((len - 1) * 8)
        }
        1 => u64::from(key[0]),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn ascii_range_matches_byte_test(chunk in proptest::array::uniform8(0u8..0x80), low in 0u8..0x80, width in 1u8..0x40) {
            let end = low.saturating_add(width).min(0x80);
            proptest::prop_assume!(low < end);
            let expected = chunk.iter().enumerate().filter(|(_, &byte)| (low..end).contains(&byte)).fold(0u64, |mask, (index, _)| mask | 0x80 << (8 * index));
            proptest::prop_assert_eq!(ascii_bytes_in_range(u64::from_le_bytes(chunk), low, end), expected);
        }

        #[test]
        fn ascii_test_matches_std(
            bytes in proptest::collection::vec(proptest::sample::select(vec![0u8, b'a', 0x7F, 0x80, 0xE2]), 0..150),
            ascii_prefix in 0usize..150,
        ) {
            // Mostly ASCII, with the first non-ASCII byte anywhere, blocks included.
            let mut bytes = bytes;
            let ascii_prefix = ascii_prefix.min(bytes.len());
            bytes[..ascii_prefix].iter_mut().for_each(|byte| *byte &= 0x7F);
            proptest::prop_assert_eq!(is_ascii(&bytes), bytes.is_ascii());
        }

        #[test]
        fn byte_search_matches_position(
            bytes in proptest::collection::vec(proptest::sample::select(vec![0u8, b'\n', b'a', 0x8A, 0xFF]), 0..40),
            byte in proptest::sample::select(vec![0u8, b'\n', 0x8A]),
        ) {
            proptest::prop_assert_eq!(find_byte(&bytes, byte), bytes.iter().position(|&other| other == byte));
        }

        #[test]
        fn equal_bytes_find_the_first(chunk in proptest::array::uniform8(proptest::sample::select(vec![0u8, b'<', b'a', 0xFF])), byte in proptest::sample::select(vec![0u8, b'<', b'a', 0xFF])) {
            let found = bytes_equal(u64::from_le_bytes(chunk), byte);
            let first = chunk.iter().position(|&other| other == byte);
            proptest::prop_assert_eq!(found != 0, first.is_some());
            if let Some(first) = first {
                proptest::prop_assert_eq!((found.trailing_zeros() / 8) as usize, first);
            }
        }
    }
}

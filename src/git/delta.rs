//! Pack deltas (git's `Documentation/gitformat-pack.txt`, "Deltified representation"): a header
//! with the base's and the result's sizes, then copy instructions (a range of the base) and
//! insert instructions (up to 127 literal bytes). Applying a delta here also says which ranges of
//! the result were copied from where and which were inserted, so that a reader can tell what a
//! new version adds to its base.

use std::ops::Range;

/// A range of the result copied unchanged from the base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    /// Where the bytes come from in the base.
    pub base: Range<usize>,
    /// Where they start in the result.
    pub target: usize,
}

impl Copy {
    /// The range of the result these bytes fill.
    pub fn target_range(&self) -> Range<usize> {
        self.target..self.target + self.base.len()
    }
}

/// What a delta did: the result's copied ranges (adjacent copies of adjacent base ranges merged)
/// and inserted ranges, both in result order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edits {
    /// Ranges copied from the base.
    pub copies: Vec<Copy>,
    /// Ranges of the result whose bytes came from the delta itself.
    pub inserts: Vec<Range<usize>>,
    /// The base's length.
    pub base_len: usize,
}

impl Edits {
    fn clear(&mut self) {
        self.copies.clear();
        self.inserts.clear();
    }

    fn push_copy(&mut self, base: Range<usize>, target: usize) {
        if let Some(last) = self.copies.last_mut() {
            if last.base.end == base.start && last.target + last.base.len() == target {
                last.base.end = base.end;
                return;
            }
        }
        self.copies.push(Copy { base, target });
    }

    fn push_insert(&mut self, range: Range<usize>) {
        if let Some(last) = self.inserts.last_mut() {
            if last.end == range.start {
                last.end = range.end;
                return;
            }
        }
        self.inserts.push(range);
    }
}

/// Why a delta could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaError(pub &'static str);

impl std::fmt::Display for DeltaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "corrupt delta: {}", self.0)
    }
}

/// The base and result sizes a delta declares, and where its instructions start.
pub fn sizes(delta: &[u8]) -> Result<(u64, u64, usize), DeltaError> {
    let (base, used) = varint(delta).ok_or(DeltaError("truncated base size"))?;
    let (result, more) = varint(&delta[used..]).ok_or(DeltaError("truncated result size"))?;
    Ok((base, result, used + more))
}

fn varint(d: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, byte) in d.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Applies `delta` to `base`, writing the result into `out` (cleared first) and what was copied
/// and inserted into `edits`.
pub fn apply(
    base: &[u8],
    delta: &[u8],
    out: &mut Vec<u8>,
    edits: &mut Edits,
) -> Result<(), DeltaError> {
    out.clear();
    edits.clear();
    edits.base_len = base.len();
    let (base_size, result_size, mut i) = sizes(delta)?;
    if base_size != base.len() as u64 {
        return Err(DeltaError("base size differs from the base object's"));
    }
    let result_size =
        usize::try_from(result_size).map_err(|_| DeltaError("result size too large"))?;
    out.reserve_exact(result_size);
    while i < delta.len() {
        let cmd = delta[i];
        i += 1;
        if cmd & 0x80 != 0 {
            let (offset, size, used) = copy_operands(cmd, &delta[i..])?;
            i += used;
            let end = offset
                .checked_add(size)
                .filter(|&e| e <= base.len())
                .ok_or(DeltaError("copy beyond the base"))?;
            if out.len() + size > result_size {
                return Err(DeltaError("result longer than declared"));
            }
            edits.push_copy(offset..end, out.len());
            out.extend_from_slice(&base[offset..end]);
        } else if cmd != 0 {
            let size = cmd as usize;
            let bytes = delta
                .get(i..i + size)
                .ok_or(DeltaError("truncated insert"))?;
            i += size;
            if out.len() + size > result_size {
                return Err(DeltaError("result longer than declared"));
            }
            edits.push_insert(out.len()..out.len() + size);
            out.extend_from_slice(bytes);
        } else {
            return Err(DeltaError("reserved instruction 0"));
        }
    }
    if out.len() != result_size {
        return Err(DeltaError("result shorter than declared"));
    }
    Ok(())
}

/// Offset, size and operand bytes of a copy instruction.
fn copy_operands(cmd: u8, d: &[u8]) -> Result<(usize, usize, usize), DeltaError> {
    let mut used = 0;
    let mut next = |bit: u8, shift: u32, value: &mut u64| -> Result<(), DeltaError> {
        if cmd & bit != 0 {
            let b = *d.get(used).ok_or(DeltaError("truncated copy"))?;
            used += 1;
            *value |= u64::from(b) << shift;
        }
        Ok(())
    };
    let mut offset = 0u64;
    let mut size = 0u64;
    for (n, bit) in [0x01u8, 0x02, 0x04, 0x08].into_iter().enumerate() {
        next(bit, 8 * n as u32, &mut offset)?;
    }
    for (n, bit) in [0x10u8, 0x20, 0x40].into_iter().enumerate() {
        next(bit, 8 * n as u32, &mut size)?;
    }
    if size == 0 {
        size = 0x10000;
    }
    Ok((offset as usize, size as usize, used))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(base: usize, result: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for mut v in [base as u64, result as u64] {
            loop {
                let b = (v & 0x7f) as u8;
                v >>= 7;
                if v == 0 {
                    out.push(b);
                    break;
                }
                out.push(b | 0x80);
            }
        }
        out
    }

    #[test]
    fn copies_and_inserts_are_reported_in_result_order() {
        let base = b"0123456789abcdef";
        let mut delta = header(16, 12);
        delta.extend([0x80 | 0x01 | 0x10, 2, 4]); // copy base[2..6]
        delta.extend([0x80 | 0x01 | 0x10, 6, 2]); // copy base[6..8]: merged with the one before
        delta.extend([3, b'X', b'Y', b'Z']); // insert
        delta.extend([0x80 | 0x01 | 0x10, 12, 3]); // copy base[12..15]
        let mut out = Vec::new();
        let mut edits = Edits::default();
        apply(base, &delta, &mut out, &mut edits).unwrap();
        assert_eq!(out, b"234567XYZcde");
        assert_eq!(
            edits.copies,
            vec![
                Copy {
                    base: 2..8,
                    target: 0
                },
                Copy {
                    base: 12..15,
                    target: 9
                }
            ]
        );
        assert_eq!(edits.inserts, vec![6..9]);
        assert_eq!(edits.base_len, 16);
    }

    #[test]
    fn corrupt_deltas_are_errors_not_panics() {
        let base = b"0123456789";
        let mut out = Vec::new();
        let mut edits = Edits::default();
        for delta in [
            vec![],
            header(11, 1),
            [header(10, 4), vec![0x80 | 0x01 | 0x10, 8, 4]].concat(),
            [header(10, 4), vec![5, b'a']].concat(),
            [header(10, 1), vec![0]].concat(),
            [header(10, 1), vec![2, b'a', b'b']].concat(),
            [header(10, 3), vec![2, b'a', b'b']].concat(),
        ] {
            assert!(
                apply(base, &delta, &mut out, &mut edits).is_err(),
                "{delta:?}"
            );
        }
    }
}

//! Scanning a blob too large to hold in memory: read it in bounded chunks that overlap by a
//! margin of whole lines (four evidence radii, at most [`MAX_OVERLAP`] bytes), scan each chunk,
//! and keep each match from the one chunk that owns its position (the middle of each overlap
//! divides two chunks), so every match is found with its evidence around it, once.
//!
//! Known limits, compared with a whole-blob scan: a generic context name counts only when its
//! chunk mentions AWS, columns on lines longer than the overlap cap count from the chunk's start,
//! and a UTF-16 blob is transcoded chunk by chunk.

use crate::detect::{Detector, Match};
use std::io::Read;

/// Bytes read per chunk.
pub const CHUNK: usize = 8 << 20;
/// Longest overlap kept between two chunks.
pub const MAX_OVERLAP: usize = 1 << 20;

/// Scans everything `reader` yields (`size` bytes are expected); positions, lines and pair
/// indices are those of the whole stream.
pub fn scan_stream(
    detector: &Detector,
    reader: &mut dyn Read,
    size: u64,
) -> Result<Vec<Match>, String> {
    let margin_lines = 4 * detector.evidence_lines();
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + MAX_OVERLAP);
    let mut buf_start = 0usize; // absolute offset of buf[0]
    let mut lines_before = 0u32; // newlines before buf[0]
    let mut owned_from = 0usize; // absolute: matches before this were kept by an earlier chunk
    let mut total = 0u64;
    let mut out: Vec<(Match, Option<(usize, crate::finding::Kind)>)> = Vec::new();
    loop {
        let want = CHUNK + buf.len().min(MAX_OVERLAP);
        let eof = fill(reader, &mut buf, want, &mut total)?;
        let keep_from = if eof {
            buf.len()
        } else {
            overlap_start(&buf, margin_lines)
        };
        // The chunk owns matches up to the middle of the overlap kept for the next one.
        let owned_to = buf_start + keep_from + (buf.len() - keep_from) / 2;
        let owned_to = if eof { usize::MAX } else { owned_to };
        let found = detector.scan(&buf).matches;
        let keys: Vec<(usize, crate::finding::Kind)> = found
            .iter()
            .map(|m| (buf_start + m.span.start, m.kind))
            .collect();
        for m in &found {
            let at = buf_start + m.span.start;
            if at < owned_from || at >= owned_to {
                continue;
            }
            let mut m = m.clone();
            let partner = m.pair.map(|p| keys[p]);
            m.span = at..buf_start + m.span.end;
            m.evidence = buf_start + m.evidence.start..buf_start + m.evidence.end;
            m.line += lines_before;
            m.pair = None;
            out.push((m, partner));
        }
        if eof {
            break;
        }
        owned_from = owned_to;
        lines_before += memchr::memchr_iter(b'\n', &buf[..keep_from]).count() as u32;
        buf.drain(..keep_from);
        buf_start += keep_from;
    }
    if total != size {
        return Err(format!("read {total} bytes where {size} were declared"));
    }
    let keys: Vec<(usize, crate::finding::Kind)> =
        out.iter().map(|(m, _)| (m.span.start, m.kind)).collect();
    Ok(out
        .into_iter()
        .map(|(mut m, partner)| {
            m.pair = partner.and_then(|k| keys.iter().position(|x| *x == k));
            m
        })
        .collect())
}

/// Reads until `buf` holds `want` bytes or the stream ends (`true`).
fn fill(
    reader: &mut dyn Read,
    buf: &mut Vec<u8>,
    want: usize,
    total: &mut u64,
) -> Result<bool, String> {
    while buf.len() < want {
        let at = buf.len();
        buf.resize(want, 0);
        match reader.read(&mut buf[at..]) {
            Ok(0) => {
                buf.truncate(at);
                return Ok(true);
            }
            Ok(n) => {
                buf.truncate(at + n);
                *total += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(at),
            Err(e) => return Err(format!("cannot read the object: {e}")),
        }
    }
    Ok(false)
}

/// Where the overlap kept for the next chunk starts: `lines` whole lines before the end, or
/// [`MAX_OVERLAP`] bytes before it when those lines are longer.
fn overlap_start(buf: &[u8], lines: usize) -> usize {
    let floor = buf.len().saturating_sub(MAX_OVERLAP);
    let mut at = buf.len();
    for _ in 0..=lines {
        match memchr::memrchr(b'\n', &buf[floor..at]) {
            Some(i) => at = floor + i,
            None => return floor,
        }
    }
    at + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeKeys;

    #[test]
    fn keys_in_every_chunk_and_on_the_seams_are_found_once_with_whole_stream_lines() {
        let detector = Detector::builtin();
        let mut keys = FakeKeys::new(31);
        let line = "filler line that says nothing in particular, number-free text\n";
        let mut text = String::new();
        let mut planted = Vec::new();
        while text.len() < 3 * CHUNK {
            if text.len() % (CHUNK / 3) < line.len() {
                let pair = keys.pair();
                text.push_str(&format!(
                    "aws_access_key_id = {}\naws_secret_access_key = {}\n",
                    pair.key_id, pair.secret
                ));
                planted.push(pair.key_id);
            }
            text.push_str(line);
        }
        let whole = detector.scan(text.as_bytes()).matches;
        let streamed =
            scan_stream(&detector, &mut text.as_bytes(), text.len() as u64).expect("readable");
        let key = |m: &Match| (m.span.clone(), m.line, m.column, m.severity, m.pair);
        assert_eq!(
            whole.iter().map(key).collect::<Vec<_>>(),
            streamed.iter().map(key).collect::<Vec<_>>()
        );
        assert_eq!(streamed.len(), 2 * planted.len());
    }

    #[test]
    fn a_short_stream_is_an_error() {
        let detector = Detector::builtin();
        let err = scan_stream(&detector, &mut &b"abc"[..], 10).unwrap_err();
        assert!(err.contains("10"), "{err}");
    }
}

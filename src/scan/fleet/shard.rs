//! `--shard I/N`: a deterministic split of a fleet's repositories across machines.
//!
//! A repository belongs to shard `stable_hash(name) % N + 1`, where `name` is its path relative
//! to the fleet root. The hash is 64-bit FNV-1a over the name's UTF-8 bytes: fixed by its
//! definition, so every pod, every rolecall version and every platform agree on the split (Rust's
//! `DefaultHasher` promises none of that). Shards `1..=N` are disjoint and together hold every
//! repository.

use crate::error::{Error, Result};
use std::fmt;

/// One shard of `count` (`index` is 1-based, as in GitLab's `CI_NODE_INDEX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, from 1 to `count`.
    pub index: u32,
    /// How many shards there are.
    pub count: u32,
}

impl Shard {
    /// Parses `I/N` with `1 <= I <= N`.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = |why: &str| {
            Error::input(format!(
                "invalid shard '{text}': {why} (expected I/N, for example 2/8, with 1 <= I <= N)"
            ))
        };
        let (i, n) = text.trim().split_once('/').ok_or_else(|| bad("no '/'"))?;
        let index: u32 = i.trim().parse().map_err(|_| bad("I is not a number"))?;
        let count: u32 = n.trim().parse().map_err(|_| bad("N is not a number"))?;
        if count == 0 {
            return Err(bad("N must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(bad("I must be between 1 and N"));
        }
        Ok(Shard { index, count })
    }

    /// Whether the repository named `name` (its path relative to the fleet root) is in this
    /// shard.
    pub fn contains(&self, name: &str) -> bool {
        stable_hash(name) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// 64-bit FNV-1a of `name`'s UTF-8 bytes.
pub fn stable_hash(name: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    name.bytes()
        .fold(OFFSET, |h, b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(stable_hash("foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn shards_partition_the_names() {
        let names: Vec<String> = (0..500).map(|i| format!("group/repo-{i}.git")).collect();
        let count = 7;
        let mut sizes = Vec::new();
        for name in &names {
            let holders: Vec<u32> = (1..=count)
                .filter(|&i| Shard { index: i, count }.contains(name))
                .collect();
            assert_eq!(holders.len(), 1, "{name} is in {holders:?}");
        }
        for i in 1..=count {
            sizes.push(
                names
                    .iter()
                    .filter(|n| Shard { index: i, count }.contains(n))
                    .count(),
            );
        }
        assert!(sizes.iter().all(|&s| s > 40), "unbalanced: {sizes:?}");
    }

    #[test]
    fn parse_accepts_i_of_n_and_explains_mistakes() {
        assert_eq!(Shard::parse("2/8").unwrap(), Shard { index: 2, count: 8 });
        assert_eq!(Shard::parse("1/1").unwrap().to_string(), "1/1");
        for bad in ["0/4", "5/4", "1/0", "x/4", "3", ""] {
            let err = Shard::parse(bad).unwrap_err().to_string();
            assert!(err.contains("I/N"), "{bad}: {err}");
        }
    }
}

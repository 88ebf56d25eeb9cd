//! The reader against git itself: every object of real repositories (repacked with deep delta
//! chains, with v1 indexes, a multi-pack-index, SHA-256 ids, loose objects, corrupt entries) is
//! visited once with the bytes `git cat-file` prints.

use super::store::{visit_store, ObjectStore, Selection};
use super::visit::{ObjectKind, ReadLimits, Visit, Visitor};
use gix_hash::ObjectId;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A repository with files edited over many commits (long delta chains once repacked).
fn history(dir: &Path, init: &[&str]) {
    git(dir, &[&["init", "-q"], init].concat());
    for round in 0..40 {
        for file in 0..3 {
            let body: String = (0..200)
                .map(|i| {
                    format!(
                        "line {i} of file {file}, edited in {}\n",
                        round * (i % 7 == 0) as usize
                    )
                })
                .collect();
            std::fs::write(dir.join(format!("f{file}.txt")), body).unwrap();
        }
        git(dir, &["add", "."]);
        git(dir, &["commit", "-qm", &format!("round {round}")]);
    }
}

/// Every object git has: id -> (type, contents).
fn cat_file(dir: &Path) -> HashMap<String, (String, Vec<u8>)> {
    let raw = git(dir, &["cat-file", "--batch-all-objects", "--batch"]);
    let mut out = HashMap::new();
    let mut at = 0;
    while at < raw.len() {
        let nl = at + raw[at..].iter().position(|&b| b == b'\n').unwrap();
        let header = String::from_utf8(raw[at..nl].to_vec()).unwrap();
        let mut parts = header.split(' ');
        let (id, kind, size) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let size: usize = size.parse().unwrap();
        out.insert(
            id.to_string(),
            (kind.to_string(), raw[nl + 1..nl + 1 + size].to_vec()),
        );
        at = nl + 1 + size + 1;
    }
    out
}

#[derive(Default)]
struct Seen {
    objects: Vec<(String, ObjectKind, Vec<u8>)>,
    deltas: usize,
    unreadable: Vec<(String, String)>,
}

/// Collects what it is handed; counts each base's deltas through its memo.
struct Collect {
    trees: bool,
}

impl Visitor for Collect {
    type Out = Seen;
    type Memo = ObjectId;

    fn wants(&self, kind: ObjectKind) -> bool {
        self.trees || kind != ObjectKind::Tree
    }

    fn visit(&self, out: &mut Seen, visit: Visit<'_, ObjectId>) -> Option<ObjectId> {
        match visit {
            Visit::Object {
                id,
                kind,
                data,
                selected,
            } => {
                if selected {
                    out.objects.push((id.to_string(), kind, data.to_vec()));
                }
                Some(*id)
            }
            Visit::Delta {
                id,
                kind,
                data,
                selected,
                base,
                base_memo,
                edits,
            } => {
                assert_eq!(base_memo, Some(base), "the memo of the base comes back");
                let copied: usize = edits.copies.iter().map(|c| c.base.len()).sum();
                let inserted: usize = edits.inserts.iter().map(|r| r.len()).sum();
                assert_eq!(copied + inserted, data.len());
                if selected {
                    out.deltas += 1;
                    out.objects.push((id.to_string(), kind, data.to_vec()));
                }
                Some(*id)
            }
            Visit::Stream {
                id, kind, reader, ..
            } => {
                let mut data = Vec::new();
                std::io::Read::read_to_end(reader, &mut data).unwrap();
                out.objects.push((id.to_string(), kind, data));
                None
            }
            Visit::TooLarge { id, .. } => panic!("{id} too large"),
            Visit::Unreadable { id, reason } => {
                out.unreadable.push((id.to_string(), reason));
                None
            }
        }
    }
}

fn visit_all(dir: &Path, limits: &ReadLimits) -> Seen {
    let store = ObjectStore::of_repository(&dir.join(".git")).unwrap();
    let outs = visit_store(
        &store,
        Selection::All,
        &Collect { trees: true },
        limits,
        &|_| {},
    )
    .unwrap();
    let mut all = Seen::default();
    for o in outs {
        all.objects.extend(o.objects);
        all.deltas += o.deltas;
        all.unreadable.extend(o.unreadable);
    }
    all
}

fn assert_same_as_git(dir: &Path, seen: &Seen) {
    let expected = cat_file(dir);
    assert!(seen.unreadable.is_empty(), "{:?}", seen.unreadable);
    assert_eq!(seen.objects.len(), expected.len(), "each object once");
    for (id, kind, data) in &seen.objects {
        let (want_kind, want) = &expected[id];
        assert_eq!(format!("{kind:?}").to_lowercase(), *want_kind, "{id}");
        assert!(data == want, "{id}: contents differ");
    }
}

/// The test history repacked into one deeply deltified pack, then one more commit left loose.
fn deep_pack_and_a_loose_commit() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    history(dir.path(), &[]);
    git(
        dir.path(),
        &["repack", "-adfq", "--depth=50", "--window=50"],
    );
    std::fs::write(dir.path().join("late.txt"), "written after the repack\n").unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "loose"]);
    dir
}

#[test]
fn every_object_of_a_deeply_deltified_pack_and_its_loose_objects_is_visited_once() {
    let dir = deep_pack_and_a_loose_commit();
    let seen = visit_all(dir.path(), &ReadLimits::default());
    assert_same_as_git(dir.path(), &seen);
    assert!(seen.deltas > 100, "{} deltas", seen.deltas);
}

#[test]
fn dropped_bases_are_rebuilt_and_large_objects_stream() {
    let dir = tempfile::tempdir().unwrap();
    history(dir.path(), &[]);
    git(
        dir.path(),
        &["repack", "-adfq", "--depth=50", "--window=50"],
    );
    let limits = ReadLimits {
        base_memory: 1,
        stream_above: 1000,
        threads: 1,
        ..ReadLimits::default()
    };
    assert_same_as_git(dir.path(), &visit_all(dir.path(), &limits));
}

#[test]
fn version_1_indexes_are_read() {
    let dir = tempfile::tempdir().unwrap();
    history(dir.path(), &[]);
    git(
        dir.path(),
        &["-c", "pack.indexVersion=1", "repack", "-adfq"],
    );
    let idx = std::fs::read_dir(dir.path().join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "idx"))
        .unwrap();
    assert_ne!(
        &std::fs::read(idx).unwrap()[..4],
        b"\xfftOc",
        "a v1 index has no magic"
    );
    assert_same_as_git(dir.path(), &visit_all(dir.path(), &ReadLimits::default()));
}

#[test]
fn a_multi_pack_index_covers_packs_without_their_idx() {
    let dir = tempfile::tempdir().unwrap();
    history(dir.path(), &[]);
    git(dir.path(), &["repack", "-adq"]);
    std::fs::write(dir.path().join("second.txt"), "in the second pack\n").unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "second"]);
    git(dir.path(), &["repack", "-dq"]);
    git(dir.path(), &["multi-pack-index", "write"]);
    let expected = cat_file(dir.path());
    let pack_dir = dir.path().join(".git/objects/pack");
    let idx: Vec<_> = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "idx"))
        .collect();
    assert_eq!(idx.len(), 2);
    for p in idx {
        std::fs::remove_file(p).unwrap();
    }
    let seen = visit_all(dir.path(), &ReadLimits::default());
    assert_eq!(seen.objects.len(), expected.len());
    for (id, _, data) in &seen.objects {
        assert!(expected[id].1 == *data, "{id}");
    }
}

#[test]
fn sha256_repositories_are_read() {
    let dir = tempfile::tempdir().unwrap();
    history(dir.path(), &["--object-format=sha256"]);
    git(dir.path(), &["repack", "-adfq", "--depth=50"]);
    let seen = visit_all(dir.path(), &ReadLimits::default());
    assert!(seen.objects.iter().all(|(id, _, _)| id.len() == 64));
    assert_same_as_git(dir.path(), &seen);
}

#[test]
fn a_corrupt_entry_is_unreadable_with_its_deltas_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    history(dir.path(), &[]);
    git(dir.path(), &["repack", "-adfq", "--depth=50"]);
    let pack = std::fs::read_dir(dir.path().join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .unwrap();
    let mut bytes = std::fs::read(&pack).unwrap();
    // Damage the zlib data of the first entry (a commit; no delta rests on it).
    for b in &mut bytes[14..40] {
        *b ^= 0x5a;
    }
    std::fs::write(&pack, bytes).unwrap();
    let seen = visit_all(dir.path(), &ReadLimits::default());
    assert!(!seen.unreadable.is_empty());
    let expected = cat_file_count(dir.path());
    assert_eq!(seen.objects.len() + seen.unreadable.len(), expected);
}

fn cat_file_count(dir: &Path) -> usize {
    String::from_utf8(git(
        dir,
        &["cat-file", "--batch-all-objects", "--batch-check"],
    ))
    .unwrap()
    .lines()
    .count()
}

#[test]
fn selected_ids_are_visited_with_their_bases_unreported() {
    let dir = tempfile::tempdir().unwrap();
    history(dir.path(), &[]);
    git(dir.path(), &["repack", "-adfq", "--depth=50"]);
    let newest = String::from_utf8(git(
        dir.path(),
        &["rev-parse", "HEAD:f1.txt", "HEAD~5:f2.txt"],
    ))
    .unwrap();
    let ids: Vec<ObjectId> = newest
        .lines()
        .map(|l| ObjectId::from_hex(l.as_bytes()).unwrap())
        .collect();
    let store = ObjectStore::of_repository(&dir.path().join(".git")).unwrap();
    let outs = visit_store(
        &store,
        Selection::Ids(&ids),
        &Collect { trees: false },
        &ReadLimits::default(),
        &|_| {},
    )
    .unwrap();
    let mut got: Vec<String> = outs
        .into_iter()
        .flat_map(|o| o.objects.into_iter().map(|(id, _, _)| id))
        .collect();
    got.sort();
    let mut want: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    want.sort();
    assert_eq!(got, want);
}

/// Sums what `visit_store` tells its progress callback.
fn progress_total(store: &ObjectStore, selection: Selection<'_>, limits: &ReadLimits) -> u64 {
    let done = std::sync::atomic::AtomicU64::new(0);
    let advance = |n: u64| {
        done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    };
    visit_store(
        store,
        selection,
        &Collect { trees: false },
        limits,
        &advance,
    )
    .unwrap();
    done.into_inner()
}

/// issue 9: the progress bar stopped short of its total (78190/78702): its length counts every
/// object, but trees (which the scan does not read) and their deltas in packs never advanced
/// it. Every counted object now advances it exactly once.
#[test]
fn issue_9_progress_ends_at_the_counted_total() {
    let dir = deep_pack_and_a_loose_commit();
    let store = ObjectStore::of_repository(&dir.path().join(".git")).unwrap();
    let total = store.count(Selection::All) as u64;
    assert_eq!(total, cat_file_count(dir.path()) as u64);
    for limits in [
        ReadLimits::default(),
        ReadLimits {
            base_memory: 1,
            stream_above: 1000,
            threads: 1,
            ..ReadLimits::default()
        },
    ] {
        assert_eq!(progress_total(&store, Selection::All, &limits), total);
    }
    // A selection of ids (a push, a range): blobs, trees and commits, one of them twice.
    let listed = String::from_utf8(git(dir.path(), &["rev-list", "--objects", "HEAD~3"])).unwrap();
    let mut ids: Vec<ObjectId> = listed
        .lines()
        .map(|l| ObjectId::from_hex(&l.as_bytes()[..40]).unwrap())
        .collect();
    ids.push(ids[0]);
    let total = store.count(Selection::Ids(&ids)) as u64;
    assert_eq!(total, ids.len() as u64 - 1);
    let got = progress_total(&store, Selection::Ids(&ids), &ReadLimits::default());
    assert_eq!(got, total);
}

#[test]
fn issue_12_absent_keeps_exactly_the_ids_neither_packs_nor_loose_objects_hold() {
    let dir = deep_pack_and_a_loose_commit();
    let store = ObjectStore::of_repository(&dir.path().join(".git")).unwrap();
    let held = store.ids();
    let loose = super::store::loose_object_ids(&dir.path().join(".git/objects"), store.hash());
    assert!(!loose.is_empty(), "the fixture keeps a loose object");
    let unknown: Vec<ObjectId> = (1u8..=3)
        .map(|b| ObjectId::from_bytes_or_panic(&[b; 20]))
        .collect();
    let mut asked = unknown.clone();
    asked.extend(held.iter().copied());
    asked.insert(1, loose[0]);
    assert_eq!(store.absent(asked), unknown);
}

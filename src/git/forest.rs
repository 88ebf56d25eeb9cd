//! The delta forest of one pack, walked from bases to the deltas built on them (as
//! `git index-pack` resolves a pack): each object is rebuilt once, from its base held in memory,
//! never by re-walking its chain. Bases held by a worker are bounded: past the budget the oldest
//! are dropped and rebuilt from their own bases if they are needed again.

use super::delta::{self, Edits};
use super::pack::{EntryBase, EntryHeader, Pack};
use super::store::ObjectStore;
use super::visit::{ObjectKind, ReadLimits, Visit, Visitor};
use gix_hash::ObjectId;
use std::collections::HashMap;

const NONE: u32 = u32::MAX;

/// The objects of one pack that a walk touches: the selected ones and every base they need.
pub(crate) struct Forest {
    /// Pack offset of each node (`u64::MAX` for a base outside the pack).
    offset: Vec<u64>,
    /// Object id of each node.
    id: Vec<ObjectId>,
    /// The node each delta is built on (`NONE` for roots).
    parent: Vec<u32>,
    /// Whether the caller asked for the node (otherwise it is only a base).
    selected: Vec<bool>,
    /// Children of node `n`: `children[child_start[n]..child_start[n + 1]]`.
    child_start: Vec<u32>,
    children: Vec<u32>,
    /// Roots, biggest tree first.
    roots: Vec<u32>,
    /// Nodes whose header or base cannot be read, and why (their trees are unreadable).
    broken: Vec<(u32, String)>,
    /// Selected nodes that no root reaches (a corrupt pack's delta cycle).
    lost: Vec<u32>,
}

impl Forest {
    /// The forest of the entries of `pack` for which `select(entry index)` holds, plus their
    /// bases.
    pub fn build(pack: &Pack, select: impl Fn(usize) -> bool) -> Forest {
        let entries = pack.entries();
        let mut forest = Forest {
            offset: Vec::new(),
            id: Vec::new(),
            parent: Vec::new(),
            selected: Vec::new(),
            child_start: Vec::new(),
            children: Vec::new(),
            roots: Vec::new(),
            broken: Vec::new(),
            lost: Vec::new(),
        };
        let mut node_of = vec![NONE; entries.len()];
        for (e, &(offset, pos)) in entries.iter().enumerate() {
            if select(e) {
                node_of[e] = forest.push(offset, pack.id_at(pos), true);
            }
        }
        let mut external: HashMap<ObjectId, u32> = HashMap::new();
        let mut n = 0;
        while n < forest.offset.len() {
            let offset = forest.offset[n];
            if offset != u64::MAX {
                let base = pack.header(offset).and_then(|h| match h.base {
                    EntryBase::Whole(_) => Ok(None),
                    EntryBase::Offset(o) => Ok(Some(o)),
                    EntryBase::Id(id) => Ok(pack.lookup(&id).ok_or(id)).map(|r| match r {
                        Ok(o) => Some(o),
                        Err(id) => {
                            let node = *external
                                .entry(id)
                                .or_insert_with(|| forest.push(u64::MAX, id, false));
                            forest.parent[n] = node;
                            None
                        }
                    }),
                });
                match base {
                    Ok(Some(o)) => match entries.binary_search_by_key(&o, |&(off, _)| off) {
                        Ok(e) => {
                            if node_of[e] == NONE {
                                node_of[e] = forest.push(o, pack.id_at(entries[e].1), false);
                            }
                            forest.parent[n] = node_of[e];
                        }
                        Err(_) => forest.broken.push((
                            n as u32,
                            format!(
                                "{}: delta base at {o} is not an object",
                                pack.path().display()
                            ),
                        )),
                    },
                    Ok(None) => {}
                    Err(reason) => forest.broken.push((n as u32, reason)),
                }
            }
            n += 1;
        }
        forest.link();
        forest
    }

    fn push(&mut self, offset: u64, id: ObjectId, selected: bool) -> u32 {
        self.offset.push(offset);
        self.id.push(id);
        self.parent.push(NONE);
        self.selected.push(selected);
        (self.offset.len() - 1) as u32
    }

    /// Builds the child lists and the roots; nodes that no root reaches (a corrupt pack's delta
    /// cycle) are reported broken.
    fn link(&mut self) {
        let n = self.offset.len();
        let broken: std::collections::HashSet<u32> = self.broken.iter().map(|b| b.0).collect();
        let mut counts = vec![0u32; n + 1];
        for (node, &p) in self.parent.iter().enumerate() {
            if p != NONE && !broken.contains(&(node as u32)) {
                counts[p as usize + 1] += 1;
            }
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let mut fill = counts.clone();
        self.children = vec![0; counts[n] as usize];
        for (node, &p) in self.parent.iter().enumerate() {
            if p != NONE && !broken.contains(&(node as u32)) {
                self.children[fill[p as usize] as usize] = node as u32;
                fill[p as usize] += 1;
            }
        }
        self.child_start = counts;
        let mut reached = vec![false; n];
        let mut sized: Vec<(u32, u32)> = Vec::new();
        for root in (0..n as u32).filter(|&r| self.parent[r as usize] == NONE) {
            let mut size = 0;
            let mut stack = vec![root];
            while let Some(x) = stack.pop() {
                reached[x as usize] = true;
                size += 1;
                stack.extend_from_slice(self.kids(x));
            }
            if !broken.contains(&root) {
                sized.push((root, size));
            }
        }
        sized.sort_by_key(|&(r, size)| (std::cmp::Reverse(size), self.offset[r as usize]));
        self.roots = sized.into_iter().map(|(r, _)| r).collect();
        for (node, reached) in reached.iter().enumerate() {
            if !reached && !broken.contains(&(node as u32)) && self.selected[node] {
                self.lost.push(node as u32);
            }
        }
    }

    fn kids(&self, n: u32) -> &[u32] {
        &self.children
            [self.child_start[n as usize] as usize..self.child_start[n as usize + 1] as usize]
    }

    /// Roots, biggest tree first.
    pub fn roots(&self) -> &[u32] {
        &self.roots
    }
}

/// One worker's state: its visitor output and reusable buffers.
pub(crate) struct Worker<O> {
    pub out: O,
    /// Selected objects handled since progress was last told.
    pub visited: u64,
    scratch: Vec<u8>,
    delta: Vec<u8>,
    edits: Edits,
    spare: Vec<Vec<u8>>,
}

impl<O: Default> Default for Worker<O> {
    fn default() -> Self {
        Worker {
            out: O::default(),
            visited: 0,
            scratch: Vec::new(),
            delta: Vec::new(),
            edits: Edits::default(),
            spare: Vec::new(),
        }
    }
}

impl<O> Worker<O> {
    fn buffer(&mut self) -> Vec<u8> {
        self.spare.pop().unwrap_or_default()
    }

    fn recycle(&mut self, mut buf: Vec<u8>) {
        // Keep a few modest buffers; give big ones back to the allocator.
        if self.spare.len() < 4 && buf.capacity() <= 8 << 20 {
            buf.clear();
            self.spare.push(buf);
        }
    }
}

/// A base on the walk's stack: its data (unless dropped for the budget), the visitor's memo,
/// and the next child to build.
struct Frame<M> {
    node: u32,
    data: Option<Vec<u8>>,
    memo: Option<M>,
    next: u32,
}

/// Walks one forest's trees.
pub(crate) struct Walk<'a, V: Visitor> {
    pub pack: &'a Pack,
    pub forest: &'a Forest,
    pub store: &'a ObjectStore,
    pub visitor: &'a V,
    pub limits: &'a ReadLimits,
    /// Bytes of bases one worker may hold.
    pub budget: u64,
}

impl<V: Visitor> Walk<'_, V> {
    /// Reports the selected nodes that cannot be rebuilt.
    pub fn report_broken(&self, w: &mut Worker<V::Out>) {
        for (node, reason) in &self.forest.broken {
            self.unreadable_tree(w, *node, reason);
        }
        for &node in &self.forest.lost {
            w.visited += 1;
            self.visitor.visit(
                &mut w.out,
                Visit::Unreadable {
                    id: &self.forest.id[node as usize],
                    reason: format!("{}: delta chain loops", self.pack.path().display()),
                },
            );
        }
    }

    /// Walks the tree under `root`.
    pub fn tree(&self, w: &mut Worker<V::Out>, root: u32) {
        let Some((kind, data, memo)) = self.start(w, root) else {
            return;
        };
        let mut stack = vec![Frame {
            node: root,
            data: Some(data),
            memo,
            next: self.forest.child_start[root as usize],
        }];
        let mut held = stack[0].data.as_ref().map_or(0, Vec::len) as u64;
        while let Some(top) = stack.len().checked_sub(1) {
            let node = stack[top].node;
            if stack[top].next == self.forest.child_start[node as usize + 1] {
                let frame = stack.pop().expect("top exists");
                if let Some(data) = frame.data {
                    held -= data.len() as u64;
                    w.recycle(data);
                }
                continue;
            }
            let child = self.forest.children[stack[top].next as usize];
            stack[top].next += 1;
            if stack[top].data.is_none() {
                match self.rebuild(w, &stack, node) {
                    Ok(data) => {
                        held += data.len() as u64;
                        stack[top].data = Some(data);
                    }
                    Err(reason) => {
                        self.unreadable_tree(w, child, &reason);
                        continue;
                    }
                }
            }
            let mut target = w.buffer();
            let base = stack[top].data.as_deref().expect("rebuilt above");
            if let Err(reason) = self.apply(w, child, base, &mut target) {
                w.recycle(target);
                self.unreadable_tree(w, child, &reason);
                continue;
            }
            let memo = self.visit_delta(w, child, kind, &target, &stack[top]);
            // The base's last delta: drop the base before descending (a chain holds one base).
            if stack[top].next == self.forest.child_start[node as usize + 1] {
                let frame = stack.pop().expect("top exists");
                if let Some(data) = frame.data {
                    held -= data.len() as u64;
                    w.recycle(data);
                }
            }
            if self.forest.kids(child).is_empty() {
                w.recycle(target);
                continue;
            }
            held += target.len() as u64;
            stack.push(Frame {
                node: child,
                data: Some(target),
                memo,
                next: self.forest.child_start[child as usize],
            });
            // Over budget: drop the oldest bases (never the one about to be used).
            let mut i = 0;
            while held > self.budget && i + 1 < stack.len() {
                if let Some(data) = stack[i].data.take() {
                    held -= data.len() as u64;
                }
                i += 1;
            }
        }
    }

    /// Loads and visits a root; `None` when its tree is not wanted or cannot be read.
    fn start(
        &self,
        w: &mut Worker<V::Out>,
        root: u32,
    ) -> Option<(ObjectKind, Vec<u8>, Option<V::Memo>)> {
        let f = self.forest;
        let id = &f.id[root as usize];
        let selected = f.selected[root as usize];
        let leaf = f.kids(root).is_empty();
        let (kind, data) = if f.offset[root as usize] == u64::MAX {
            let found = self.store.read(id).unwrap_or_else(|| {
                Err(format!("delta base {id} is in no pack or object directory"))
            });
            match found {
                Ok(found) => found,
                Err(reason) => {
                    self.unreadable_tree(w, root, &reason);
                    return None;
                }
            }
        } else {
            let header = match self.pack.header(f.offset[root as usize]) {
                Ok(h) => h,
                Err(reason) => {
                    self.unreadable_tree(w, root, &reason);
                    return None;
                }
            };
            let EntryBase::Whole(kind) = header.base else {
                self.unreadable_tree(w, root, "a delta without a base");
                return None;
            };
            if !self.visitor.wants(kind) {
                self.skip_tree(w, root);
                return None;
            }
            if leaf && self.handled_large(w, root, kind, &header) {
                return None;
            }
            let mut data = w.buffer();
            if let Err(reason) = self.pack.inflate(&header, &mut w.scratch, &mut data) {
                self.unreadable_tree(w, root, &reason);
                return None;
            }
            (kind, data)
        };
        if !self.visitor.wants(kind) {
            self.skip_tree(w, root);
            return None;
        }
        w.visited += u64::from(selected);
        let memo = self.visitor.visit(
            &mut w.out,
            Visit::Object {
                id,
                kind,
                data: &data,
                selected,
            },
        );
        if leaf {
            w.recycle(data);
            return None;
        }
        Some((kind, data, memo))
    }

    /// Hands a selected whole entry over unread (over the size limit) or as a stream (too
    /// large to hold); `false` when it is to be read into memory.
    fn handled_large(
        &self,
        w: &mut Worker<V::Out>,
        node: u32,
        kind: ObjectKind,
        header: &EntryHeader,
    ) -> bool {
        let id = &self.forest.id[node as usize];
        if header.size > self.limits.max_size {
            w.visited += 1;
            let size = header.size;
            self.visitor
                .visit(&mut w.out, Visit::TooLarge { id, kind, size });
            return true;
        }
        if header.size > self.limits.stream_above {
            w.visited += 1;
            let mut reader = self.pack.stream(header);
            let size = header.size;
            self.visitor.visit(
                &mut w.out,
                Visit::Stream {
                    id,
                    kind,
                    size,
                    reader: &mut reader,
                },
            );
            return true;
        }
        false
    }

    fn visit_delta(
        &self,
        w: &mut Worker<V::Out>,
        child: u32,
        kind: ObjectKind,
        data: &[u8],
        base: &Frame<V::Memo>,
    ) -> Option<V::Memo> {
        let f = self.forest;
        let selected = f.selected[child as usize];
        let id = &f.id[child as usize];
        w.visited += u64::from(selected);
        if selected && data.len() as u64 > self.limits.max_size && f.kids(child).is_empty() {
            let size = data.len() as u64;
            self.visitor
                .visit(&mut w.out, Visit::TooLarge { id, kind, size });
            return None;
        }
        self.visitor.visit(
            &mut w.out,
            Visit::Delta {
                id,
                kind,
                data,
                selected,
                base: &f.id[base.node as usize],
                base_memo: base.memo.as_ref(),
                edits: &w.edits,
            },
        )
    }

    /// Inflates `node`'s delta and applies it to `base` (edits in `w.edits`).
    fn apply(
        &self,
        w: &mut Worker<V::Out>,
        node: u32,
        base: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        let header = self.pack.header(self.forest.offset[node as usize])?;
        self.pack.inflate(&header, &mut w.scratch, &mut w.delta)?;
        delta::apply(base, &w.delta, out, &mut w.edits)
            .map_err(|e| format!("{}: {e}", self.pack.path().display()))
    }

    /// Rebuilds a base dropped for the budget, from the nearest ancestor still held (or from
    /// its root).
    fn rebuild(
        &self,
        w: &mut Worker<V::Out>,
        stack: &[Frame<V::Memo>],
        node: u32,
    ) -> Result<Vec<u8>, String> {
        let f = self.forest;
        let mut chain = Vec::new();
        let mut at = node;
        let mut current: Vec<u8> = loop {
            if let Some(frame) = stack.iter().find(|fr| fr.node == at && fr.data.is_some()) {
                let held = frame.data.as_deref().expect("checked");
                let Some(next) = chain.pop() else {
                    return Ok(held.to_vec());
                };
                let mut out = w.buffer();
                self.apply(w, next, held, &mut out)?;
                break out;
            }
            let parent = f.parent[at as usize];
            if parent == NONE {
                break self.load_root_data(w, at)?;
            }
            chain.push(at);
            at = parent;
        };
        while let Some(next) = chain.pop() {
            let mut out = w.buffer();
            self.apply(w, next, &current, &mut out)?;
            w.recycle(std::mem::replace(&mut current, out));
        }
        Ok(current)
    }

    fn load_root_data(&self, w: &mut Worker<V::Out>, root: u32) -> Result<Vec<u8>, String> {
        let f = self.forest;
        if f.offset[root as usize] == u64::MAX {
            return match self.store.read(&f.id[root as usize]) {
                Some(found) => found.map(|(_, data)| data),
                None => Err(format!("delta base {} disappeared", f.id[root as usize])),
            };
        }
        let header = self.pack.header(f.offset[root as usize])?;
        let mut data = w.buffer();
        self.pack.inflate(&header, &mut w.scratch, &mut data)?;
        Ok(data)
    }

    /// Counts the selected nodes of the tree under `root` as handled without reading them (a
    /// kind the visitor does not want; deltas have their base's kind), so that progress reaches
    /// the number of selected objects.
    fn skip_tree(&self, w: &mut Worker<V::Out>, root: u32) {
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            w.visited += u64::from(self.forest.selected[n as usize]);
            stack.extend_from_slice(self.forest.kids(n));
        }
    }

    /// Reports every selected node of the tree under `node` as unreadable.
    fn unreadable_tree(&self, w: &mut Worker<V::Out>, node: u32, reason: &str) {
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            if self.forest.selected[n as usize] {
                w.visited += 1;
                self.visitor.visit(
                    &mut w.out,
                    Visit::Unreadable {
                        id: &self.forest.id[n as usize],
                        reason: reason.to_string(),
                    },
                );
            }
            stack.extend_from_slice(self.forest.kids(n));
        }
    }
}

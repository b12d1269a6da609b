//! In-memory status list state, rebuilt from the slot records at open.
//!
//! Two copies with different readers:
//!
//! * [`Working`] belongs to the writer thread. It includes every accepted request, also
//!   those whose batch is not yet flushed, so allocation never hands out an index that an
//!   earlier request in the same batch took.
//! * [`View`] is shared with readers (`list_values`, `dirty_lists`). The writer applies a
//!   batch's [`Effect`]s to it only after the batch is durable, so a status list is never
//!   published with a change a crash could still undo.
//!
//! **Used indices** are the `S` slot records themselves (one key per allocated index, in
//! the same atomic batch as the application that holds it); the bitmap here is only an
//! index over them. Rewriting a 16 KiB bitmap value per allocation would cost 16 KiB of
//! log per request even under group commit, while a slot key costs ~40 bytes and also
//! carries the entry's status value for publishing.

use std::collections::BTreeMap;
use std::sync::RwLock;

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::audit::AuditHead;
use super::error::StoreError;
use super::keys;
use super::types::{CredentialStatus, ListKind, StatusSlot};

/// Random draws before allocation falls back to choosing among the free entries directly.
/// With the fill limit at most 95 %, `MAX_REJECTIONS` misses in a row have probability
/// below 0.95^256 ≈ 2e-6; the fallback keeps the draw uniform and the cost bounded anyway.
const MAX_REJECTIONS: u32 = 256;

/// Change counters of one status list, persisted under its `M` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(super) struct ListMeta {
    /// Incremented by every status change touching the list; 1 when the list is created,
    /// so a new list is dirty until it is first published.
    pub(super) changes: u64,
    /// The change the published list includes (`mark_published`).
    pub(super) published: u64,
}

/// A fixed-size set of indices.
#[derive(Debug, Clone)]
pub(super) struct Bitmap {
    words: Vec<u64>,
    count: u32,
}

impl Bitmap {
    pub(super) fn new(size: u32) -> Self {
        Self {
            words: vec![0; usize::try_from(size.div_ceil(64)).unwrap_or(0)],
            count: 0,
        }
    }

    pub(super) fn contains(&self, index: u32) -> bool {
        let (word, bit) = Self::position(index);
        self.words.get(word).is_some_and(|w| w & bit != 0)
    }

    /// Sets `index`; false if it was set already or is out of range.
    pub(super) fn insert(&mut self, index: u32) -> bool {
        let (word, bit) = Self::position(index);
        match self.words.get_mut(word) {
            Some(w) if *w & bit == 0 => {
                *w |= bit;
                self.count = self.count.saturating_add(1);
                true
            }
            _ => false,
        }
    }

    pub(super) fn count(&self) -> u32 {
        self.count
    }

    fn position(index: u32) -> (usize, u64) {
        (
            usize::try_from(index / 64).unwrap_or(usize::MAX),
            1u64 << (index % 64),
        )
    }
}

/// Draws an index uniformly among `0..size` that is neither in `used` nor in `taken`
/// (indices already drawn for the same request). `None` if there is none.
///
/// Rejection sampling is uniform over the free entries; if it misses [`MAX_REJECTIONS`]
/// times, the k-th free entry for a uniform k is taken, which is uniform too, so the
/// result is uniform whichever path produced it.
pub(super) fn draw_unused(
    used: &Bitmap,
    taken: &[u32],
    size: u32,
    rng: &mut impl Rng,
) -> Option<u32> {
    let free = |i: &u32| !used.contains(*i) && !taken.contains(i);
    for _ in 0..MAX_REJECTIONS {
        let index = rng.gen_range(0..size);
        if free(&index) {
            return Some(index);
        }
    }
    let taken_free = u32::try_from(taken.iter().filter(|i| !used.contains(**i)).count()).ok()?;
    let available = size.checked_sub(used.count())?.checked_sub(taken_free)?;
    if available == 0 {
        return None;
    }
    let k = rng.gen_range(0..available);
    (0..size).filter(free).nth(usize::try_from(k).ok()?)
}

/// The writer's copy of one list.
#[derive(Debug, Clone)]
pub(super) struct WorkingList {
    pub(super) used: Bitmap,
    pub(super) meta: ListMeta,
}

/// The writer thread's state.
#[derive(Debug)]
pub(super) struct Working {
    pub(super) list_size: u32,
    /// Entries a list may hold before a new one is opened.
    pub(super) fill_limit: u32,
    pub(super) lists: BTreeMap<(ListKind, u32), WorkingList>,
    pub(super) audit: AuditHead,
}

impl Working {
    /// The highest-numbered list of `kind`, where allocation happens.
    pub(super) fn current(&self, kind: ListKind) -> Option<(u32, &WorkingList)> {
        self.lists
            .range((kind, 0)..=(kind, u32::MAX))
            .next_back()
            .map(|((_, list), state)| (*list, state))
    }
}

/// A durable change to apply to the [`View`] after the batch holding it is flushed.
#[derive(Debug, Clone)]
pub(super) enum Effect {
    /// The list exists (created if new) with these counters.
    List {
        kind: ListKind,
        list: u32,
        meta: ListMeta,
    },
    /// An entry's status value.
    Value { slot: StatusSlot, value: u8 },
}

/// One list as readers see it: durable values and counters.
#[derive(Debug, Clone)]
pub(super) struct ViewList {
    pub(super) values: Vec<u8>,
    pub(super) meta: ListMeta,
}

/// Every list as readers see it, by kind and number.
pub(super) type ViewLists = BTreeMap<(ListKind, u32), ViewList>;

/// The readers' copy of every list.
#[derive(Debug)]
pub(super) struct View {
    list_size: u32,
    lists: RwLock<ViewLists>,
}

impl View {
    pub(super) fn read(&self) -> Result<std::sync::RwLockReadGuard<'_, ViewLists>, StoreError> {
        self.lists
            .read()
            .map_err(|_| StoreError::unavailable("status list view lock poisoned"))
    }

    /// Applies the effects of a durable batch, in order.
    pub(super) fn apply(&self, effects: Vec<Effect>) -> Result<(), StoreError> {
        if effects.is_empty() {
            return Ok(());
        }
        let mut lists = self
            .lists
            .write()
            .map_err(|_| StoreError::unavailable("status list view lock poisoned"))?;
        for effect in effects {
            match effect {
                Effect::List { kind, list, meta } => {
                    lists
                        .entry((kind, list))
                        .or_insert_with(|| ViewList {
                            values: vec![0; usize::try_from(self.list_size).unwrap_or(0)],
                            meta,
                        })
                        .meta = meta;
                }
                Effect::Value { slot, value } => {
                    let entry = lists
                        .get_mut(&(slot.kind, slot.list))
                        .and_then(|l| l.values.get_mut(usize::try_from(slot.index).ok()?));
                    match entry {
                        Some(entry) => *entry = value,
                        None => {
                            return Err(StoreError::corrupt(format!(
                                "status change for missing entry {slot:?}"
                            )));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Rebuilds the working lists and the view from the `M` and `S` records.
pub(super) fn load(
    tree: &sled::Tree,
    list_size: u32,
    fill_limit: u32,
    audit: AuditHead,
) -> Result<(Working, View), StoreError> {
    let size = usize::try_from(list_size).map_err(|_| StoreError::corrupt("list size"))?;
    let mut working = BTreeMap::new();
    let mut view = BTreeMap::new();
    for item in tree.scan_prefix([keys::LIST]) {
        let (key, value) = item?;
        let (kind, list) = keys::decode_list(&key)
            .ok_or_else(|| StoreError::corrupt(format!("malformed list key {key:?}")))?;
        let meta: ListMeta = serde_json::from_slice(&value)
            .map_err(|e| StoreError::corrupt(format!("{kind} list {list} counters: {e}")))?;
        let used = Bitmap::new(list_size);
        working.insert((kind, list), WorkingList { used, meta });
        let values = vec![0; size];
        view.insert((kind, list), ViewList { values, meta });
    }
    for item in tree.scan_prefix([keys::SLOT]) {
        let (key, value) = item?;
        let slot = keys::decode_slot(&key)
            .ok_or_else(|| StoreError::corrupt(format!("malformed slot key {key:?}")))?;
        let status = value
            .first()
            .and_then(|v| CredentialStatus::from_value(*v))
            .ok_or_else(|| StoreError::corrupt(format!("slot {slot:?} has no status value")))?;
        let marked = working
            .get_mut(&(slot.kind, slot.list))
            .is_some_and(|l: &mut WorkingList| l.used.insert(slot.index));
        let entry = view
            .get_mut(&(slot.kind, slot.list))
            .and_then(|l: &mut ViewList| l.values.get_mut(usize::try_from(slot.index).ok()?));
        match (marked, entry) {
            (true, Some(entry)) => *entry = status.value(),
            _ => {
                return Err(StoreError::corrupt(format!(
                    "slot {slot:?} outside the lists ({list_size} entries each)"
                )));
            }
        }
    }
    let working = Working {
        list_size,
        fill_limit,
        lists: working,
        audit,
    };
    let view = View {
        list_size,
        lists: RwLock::new(view),
    };
    Ok((working, view))
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;

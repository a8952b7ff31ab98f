//! A table of the names declared in one scope, in order of declaration.
//!
//! The hash table holds only four-byte indices into the list of declarations: for a workflow
//! of 100,000 steps it takes half a megabyte and stays in the processor's cache, where a table
//! of the entries themselves (four megabytes) was read from memory at every name looked up.
//! References mostly follow the order of declaration, so the entries they reach are read in
//! order too.
//!
//! **Invariant:** each name is declared once; the index of an entry is its position in the
//! order of declaration, which is also the order [`Names::iter`] gives.

use std::hash::BuildHasher;

use hashbrown::hash_table::{Entry, HashTable};
use rustc_hash::FxBuildHasher;

#[derive(Clone)]
pub(super) struct Names<'s, T> {
    entries: Vec<(&'s str, T)>,
    index: HashTable<u32>,
}

impl<T> Default for Names<'_, T> {
    fn default() -> Self {
        Names {
            entries: Vec::new(),
            index: HashTable::new(),
        }
    }
}

fn hash(name: &str) -> u64 {
    FxBuildHasher.hash_one(name)
}

impl<'s, T: Copy> Names<'s, T> {
    /// Makes room for `additional` more names.
    pub fn reserve(&mut self, additional: usize) {
        self.entries.reserve_exact(additional);
        let entries = &self.entries;
        self.index
            .reserve(additional, |&i| hash(entries[i as usize].0));
    }

    /// What `name` was declared with.
    pub fn get(&self, name: &str) -> Option<T> {
        let entries = &self.entries;
        self.index
            .find(hash(name), |&i| entries[i as usize].0 == name)
            .map(|&i| entries[i as usize].1)
    }

    /// Declares `name` with `value`; if it is declared already, returns what it was declared
    /// with and changes nothing.
    pub fn insert(&mut self, name: &'s str, value: T) -> Result<(), T> {
        let entries = &self.entries;
        let next = entries.len() as u32;
        match self.index.entry(
            hash(name),
            |&i| entries[i as usize].0 == name,
            |&i| hash(entries[i as usize].0),
        ) {
            Entry::Occupied(found) => Err(entries[*found.get() as usize].1),
            Entry::Vacant(slot) => {
                slot.insert(next);
                self.entries.push((name, value));
                Ok(())
            }
        }
    }

    /// Every name with its value, in order of declaration.
    pub fn iter(&self) -> impl Iterator<Item = (&'s str, T)> + '_ {
        self.entries.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_once_declared_and_listed_in_order() {
        let mut names = Names::default();
        let many: Vec<String> = (0..1000).map(|i| format!("s{i}")).collect();
        names.reserve(10);
        for (i, n) in many.iter().enumerate() {
            assert_eq!(names.insert(n, i), Ok(()));
        }
        assert_eq!(names.insert("s7", 5000), Err(7));
        for (i, n) in many.iter().enumerate() {
            assert_eq!(names.get(n), Some(i));
        }
        assert_eq!(names.get("s1000"), None);
        assert_eq!(names.get(""), None);
        let listed: Vec<usize> = names.iter().map(|(_, v)| v).collect();
        assert_eq!(listed, (0..1000).collect::<Vec<_>>());
    }
}

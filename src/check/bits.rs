//! A matrix of bits: one row of a fixed number of bits per node, in blocks of rows.
//!
//! The context analysis keeps several field sets per node. One `Vec` per set would cost an
//! allocation and some fifty bytes of bookkeeping per node; rows of a few flat vectors cost
//! `ceil(fields / 64)` words each and nothing more. The rows are kept in blocks of at most
//! [`BLOCK_WORDS`] words (64 KB) rather than in one vector: a large matrix (10,000 nodes by
//! 4,000 fields is 5 MB) then reuses the memory that parsing and resolution freed, where one
//! allocation of its size would be fresh memory on top of it (it set the peak of the process).
//!
//! **Invariant:** bits past the number of columns are always zero, so rows compare equal exactly
//! when they hold the same fields.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// The most words in one block of rows (64 KB, under the size from which the allocator maps
/// fresh memory for a request).
pub const BLOCK_WORDS: usize = 8192;

/// Rows of `columns` bits each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BitMatrix {
    columns: usize,
    words: usize,
    /// Each block holds `1 << shift` rows (the last one fewer).
    shift: u32,
    blocks: Vec<Vec<u64>>,
}

impl BitMatrix {
    /// `rows` rows of `columns` bits, all clear, or all set when `full`.
    pub fn new(rows: usize, columns: usize, full: bool) -> Self {
        let words = columns.div_ceil(64);
        // The most rows, a power of two (at least one), whose words fit in a block.
        let shift = block_shift(words);
        let per_block = 1usize << shift;
        // Each block is written once, with its final bits: zeroed memory filled afterwards
        // was two passes over a matrix that can be tens of megabytes.
        let full_row = if full {
            Self::full_row(columns)
        } else {
            Vec::new()
        };
        let blocks = (0..rows.div_ceil(per_block))
            .map(|b| {
                let in_block = (rows - b * per_block).min(per_block);
                if full {
                    let mut block = Vec::with_capacity(in_block * words);
                    for _ in 0..in_block {
                        block.extend_from_slice(&full_row);
                    }
                    block
                } else {
                    vec![0; in_block * words]
                }
            })
            .collect();
        BitMatrix {
            columns,
            words,
            shift,
            blocks,
        }
    }

    /// A row with every column set.
    pub fn full_row(columns: usize) -> Vec<u64> {
        let words = columns.div_ceil(64);
        let mut row = vec![u64::MAX; words];
        if columns % 64 != 0 {
            if let Some(last) = row.last_mut() {
                *last = (1u64 << (columns % 64)) - 1;
            }
        }
        row
    }

    /// The number of words in a row.
    pub fn words(&self) -> usize {
        self.words
    }

    /// The block of a row and where the row starts in it.
    fn at(&self, r: usize) -> (usize, usize) {
        locate(r, self.shift, self.words)
    }

    /// A row.
    pub fn row(&self, r: usize) -> &[u64] {
        let (b, at) = self.at(r);
        &self.blocks[b][at..at + self.words]
    }

    /// A row, for writing.
    pub fn row_mut(&mut self, r: usize) -> &mut [u64] {
        let (b, at) = self.at(r);
        let words = self.words;
        &mut self.blocks[b][at..at + words]
    }

    /// Whether row `r` holds column `c`.
    pub fn contains(&self, r: usize, c: usize) -> bool {
        c < self.columns && self.row(r)[c / 64] & (1 << (c % 64)) != 0
    }

    /// Sets column `c` of row `r`.
    pub fn insert(&mut self, r: usize, c: usize) {
        if c < self.columns {
            self.row_mut(r)[c / 64] |= 1 << (c % 64);
        }
    }

    /// The columns set in row `r`, in increasing order.
    pub fn ones(&self, r: usize) -> impl Iterator<Item = usize> + '_ {
        ones(self.row(r))
    }
}

/// Rows of a fixed number of bits where equal rows are stored once: each row is an index into a
/// pool of distinct rows. The context analysis keeps `avail_in` so: in most workflows many steps
/// have the same fields on entry (a workflow of 100,000 steps and 4,000 fields may have a few
/// thousand distinct sets, 2 MB, where a [`BitMatrix`] takes 50 MB to write and read).
///
/// **Invariants:** as in [`BitMatrix`], bits past the number of columns are zero. Each pool row
/// in use is held once and counts the rows that use it; a pool row no one uses is free and is
/// the next one written, so the pool never holds more rows than there are rows (a
/// [`SharedRows::set`] costs `O(words)`, and the pool is never larger than a [`BitMatrix`] of
/// the same size).
#[derive(Clone, Debug)]
pub struct SharedRows {
    columns: usize,
    words: usize,
    /// Per row: its index in the pool.
    of: Vec<u32>,
    /// The pool's rows, `words` words each, in blocks of `1 << shift` rows (as in
    /// [`BitMatrix`]: no reallocation, and memory that earlier stages freed is reused).
    pool: Vec<Vec<u64>>,
    shift: u32,
    /// Per pool row: how many rows use it (0: free).
    uses: Vec<u32>,
    /// Per pool row: the hash of its bits (so that freeing it does not read them again).
    hashes: Vec<u64>,
    /// The free pool rows.
    free: Vec<u32>,
    /// The pool rows in use, by content.
    index: HashTable<u32>,
}

fn row_hash(bits: &[u64]) -> u64 {
    FxBuildHasher.hash_one(bits)
}

impl SharedRows {
    /// `rows` rows of `columns` bits, all clear, or all set when `full`.
    pub fn new(rows: usize, columns: usize, full: bool) -> Self {
        let words = columns.div_ceil(64);
        let first = if full {
            BitMatrix::full_row(columns)
        } else {
            vec![0; words]
        };
        let shift = block_shift(words);
        let mut index = HashTable::new();
        let hash = row_hash(&first);
        index.insert_unique(hash, 0, |_| hash);
        let mut block = Vec::with_capacity(words << shift);
        block.extend_from_slice(&first);
        SharedRows {
            columns,
            words,
            of: vec![0; rows],
            pool: vec![block],
            shift,
            uses: vec![rows as u32],
            hashes: vec![hash],
            free: Vec::new(),
            index,
        }
    }

    /// Pool row `id`.
    fn pool_row(&self, id: u32) -> &[u64] {
        pool_row(&self.pool, self.shift, self.words, id)
    }

    /// The number of words in a row.
    pub fn words(&self) -> usize {
        self.words
    }

    /// A row.
    pub fn row(&self, r: usize) -> &[u64] {
        self.pool_row(self.of[r])
    }

    /// Makes row `r` hold exactly `bits` (`words` words, nothing past the columns).
    pub fn set(&mut self, r: usize, bits: &[u64]) {
        debug_assert_eq!(bits.len(), self.words);
        let words = self.words;
        let old = self.of[r];
        self.uses[old as usize] -= 1;
        if self.uses[old as usize] == 0 {
            let hash = self.hashes[old as usize];
            if let Ok(entry) = self.index.find_entry(hash, |&id| id == old) {
                entry.remove();
            }
            self.free.push(old);
        }
        let hash = row_hash(bits);
        let (pool, shift) = (&self.pool, self.shift);
        let id = if let Some(&id) = self
            .index
            .find(hash, |&id| pool_row(pool, shift, words, id) == bits)
        {
            id
        } else {
            let id = if let Some(id) = self.free.pop() {
                let (b, at) = locate(id as usize, shift, words);
                self.pool[b][at..at + words].copy_from_slice(bits);
                self.hashes[id as usize] = hash;
                id
            } else {
                let id = self.uses.len() as u32;
                if id as usize >> shift == self.pool.len() {
                    self.pool.push(Vec::with_capacity(words << shift));
                }
                if let Some(block) = self.pool.last_mut() {
                    block.extend_from_slice(bits);
                }
                self.uses.push(0);
                self.hashes.push(hash);
                id
            };
            let hashes = &self.hashes;
            self.index
                .insert_unique(hash, id, |&id| hashes[id as usize]);
            id
        };
        self.uses[id as usize] += 1;
        self.of[r] = id;
    }

    /// Whether row `r` holds column `c`.
    pub fn contains(&self, r: usize, c: usize) -> bool {
        c < self.columns && self.row(r)[c / 64] & (1 << (c % 64)) != 0
    }

    /// The columns set in row `r`, in increasing order.
    pub fn ones(&self, r: usize) -> impl Iterator<Item = usize> + '_ {
        ones(self.row(r))
    }
}

/// The log2 of how many rows of `words` words fit in a block of [`BLOCK_WORDS`] (at least one).
fn block_shift(words: usize) -> u32 {
    let per_block = (BLOCK_WORDS / words.max(1)).max(1);
    usize::BITS - 1 - per_block.leading_zeros()
}

/// Where row `r` is in blocks of `1 << shift` rows of `words` words: its block, and where the row
/// starts in it.
fn locate(r: usize, shift: u32, words: usize) -> (usize, usize) {
    (r >> shift, (r & ((1 << shift) - 1)) * words)
}

/// Row `id` of a pool in blocks of `1 << shift` rows of `words` words.
fn pool_row(pool: &[Vec<u64>], shift: u32, words: usize, id: u32) -> &[u64] {
    let (b, at) = locate(id as usize, shift, words);
    &pool[b][at..at + words]
}

/// The columns set in a row, in increasing order.
fn ones(row: &[u64]) -> impl Iterator<Item = usize> + '_ {
    row.iter().enumerate().flat_map(|(w, &bits)| {
        let mut bits = bits;
        std::iter::from_fn(move || {
            if bits == 0 {
                return None;
            }
            let b = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            Some(w * 64 + b)
        })
    })
}

/// `dst &= src`, word by word.
pub fn intersect(dst: &mut [u64], src: &[u64]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d &= s;
    }
}

/// `dst |= src`, word by word.
pub fn union(dst: &mut [u64], src: &[u64]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d |= s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_hold_their_own_bits_and_full_rows_have_no_padding() {
        let mut m = BitMatrix::new(3, 70, false);
        m.insert(1, 0);
        m.insert(1, 69);
        m.insert(1, 70); // out of range: ignored
        assert!(m.contains(1, 69) && !m.contains(0, 69) && !m.contains(2, 0));
        assert_eq!(m.ones(1).collect::<Vec<_>>(), vec![0, 69]);
        let full = BitMatrix::new(1, 70, true);
        assert_eq!(full.ones(0).count(), 70);
        // Rows across several blocks, and rows without columns.
        let mut big = BitMatrix::new(1000, 4000, false);
        big.insert(999, 3999);
        big.insert(128, 5);
        assert!(big.contains(999, 3999) && big.contains(128, 5) && !big.contains(127, 5));
        assert_eq!(big.ones(999).collect::<Vec<_>>(), vec![3999]);
        let empty = BitMatrix::new(5, 0, true);
        assert!(empty.row(4).is_empty());
        let mut row = full.row(0).to_vec();
        intersect(&mut row, m.row(1));
        assert_eq!(row, m.row(1));
    }

    #[test]
    fn shared_rows_hold_their_own_bits_and_store_equal_rows_once() {
        let mut m = SharedRows::new(4, 70, true);
        let full = BitMatrix::full_row(70);
        assert!((0..4).all(|r| m.row(r) == full.as_slice()));
        let mut a = vec![0u64; 2];
        a[0] = 0b101;
        a[1] = 1 << 5;
        m.set(1, &a);
        m.set(2, &a);
        assert_eq!(m.row(1), a.as_slice());
        assert_eq!(m.row(2), a.as_slice());
        assert_eq!(m.row(0), full.as_slice());
        assert_eq!(m.ones(1).collect::<Vec<_>>(), vec![0, 2, 69]);
        assert!(m.contains(1, 69) && !m.contains(1, 1) && !m.contains(1, 70));
        // Two rows of the same bits share one pool row; the full row is still used by rows
        // 0 and 3.
        assert_eq!(m.uses.len(), 2);
        // Row 0 and 3 leave the full row: it is freed, and the next new bits reuse it.
        let b = vec![1u64, 0];
        m.set(0, &b);
        m.set(3, &b);
        assert_eq!(m.free.len(), 1);
        let c = vec![2u64, 0];
        m.set(3, &c);
        assert_eq!((m.uses.len(), m.free.len()), (3, 0));
        assert_eq!(m.row(0), b.as_slice());
        assert_eq!(m.row(3), c.as_slice());
        assert_eq!(m.row(1), a.as_slice());
        // Setting a row to what it holds changes nothing.
        m.set(1, &a);
        assert_eq!(m.row(1), a.as_slice());
        assert_eq!(m.row(2), a.as_slice());
    }

    #[test]
    fn shared_rows_never_hold_more_pool_rows_than_rows() {
        // Many rows set again and again to ever new bits: freed pool rows are reused.
        let mut m = SharedRows::new(50, 4000, false);
        for round in 0..20u64 {
            for r in 0..50 {
                let mut bits = vec![0u64; m.words()];
                let at = (r + round as usize) % bits.len();
                bits[at] = round * 1000 + r as u64 + 1;
                m.set(r, &bits);
                assert_eq!(m.row(r), bits.as_slice());
            }
            assert!(m.uses.len() <= 51, "{} pool rows", m.uses.len());
        }
    }
}

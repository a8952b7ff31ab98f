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
        let per_block = (BLOCK_WORDS / words.max(1)).max(1);
        let shift = usize::BITS - 1 - per_block.leading_zeros();
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
        (r >> self.shift, (r & ((1 << self.shift) - 1)) * self.words)
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
        self.row(r).iter().enumerate().flat_map(|(w, &bits)| {
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
}

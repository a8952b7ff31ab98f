//! A matrix of bits: one row of a fixed number of bits per node, in a single allocation.
//!
//! The context analysis keeps several field sets per node. One `Vec` per set would cost an
//! allocation and some fifty bytes of bookkeeping per node; rows of one flat vector cost
//! `ceil(fields / 64)` words each and nothing more.
//!
//! **Invariant:** bits past the number of columns are always zero, so rows compare equal exactly
//! when they hold the same fields.

/// Rows of `columns` bits each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BitMatrix {
    columns: usize,
    words: usize,
    data: Vec<u64>,
}

impl BitMatrix {
    /// `rows` rows of `columns` bits, all clear, or all set when `full`.
    pub fn new(rows: usize, columns: usize, full: bool) -> Self {
        let words = columns.div_ceil(64);
        let mut m = BitMatrix {
            columns,
            words,
            data: vec![0; rows * words],
        };
        if full {
            let row = Self::full_row(columns);
            for r in 0..rows {
                m.row_mut(r).copy_from_slice(&row);
            }
        }
        m
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

    /// A row.
    pub fn row(&self, r: usize) -> &[u64] {
        &self.data[r * self.words..(r + 1) * self.words]
    }

    /// A row, for writing.
    pub fn row_mut(&mut self, r: usize) -> &mut [u64] {
        &mut self.data[r * self.words..(r + 1) * self.words]
    }

    /// Whether row `r` holds column `c`.
    pub fn contains(&self, r: usize, c: usize) -> bool {
        c < self.columns && self.data[r * self.words + c / 64] & (1 << (c % 64)) != 0
    }

    /// Sets column `c` of row `r`.
    pub fn insert(&mut self, r: usize, c: usize) {
        if c < self.columns {
            self.data[r * self.words + c / 64] |= 1 << (c % 64);
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
        let mut row = full.row(0).to_vec();
        intersect(&mut row, m.row(1));
        assert_eq!(row, m.row(1));
    }
}

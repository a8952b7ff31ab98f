//! Routing analysis: which cases of the context take which conditional routes (W501, W505).
//!
//! docs/language.md defines the decidable subset: comparisons of one field with constants, combined
//! with `and`, `or`, `not` and `in`. Everything else (two fields, `confidence`, `attempts`,
//! `elapsed`) is *unknown*, and conditions are evaluated in three-valued logic.
//!
//! How it works. The fields tested by the sibling conditions of one node are the *axes*. The
//! constants each axis is compared with cut its domain into *regions*: for ordered types
//! (numbers, money, durations, dates, datetimes) the points themselves and the open intervals
//! between them; for finite types (bools, enums) their values; for text the strings named and one
//! region for every other text. A set of cases is a union of *boxes* (one set of regions per
//! axis). Each condition `c` gets two such sets: `T(c)`, the cases where it certainly holds, and
//! `F(c)`, where it certainly does not (`T` and `F` of an unknown comparison are both empty).
//! - W505: two routes overlap when `T(a) ∩ T(b)` is not empty.
//! - W501: a case no route takes is a point outside every `T(c)`, found by splitting boxes.
//!
//! A witness box is turned into one concrete case (`amount = 600`, `risk = low`) by taking a
//! representative value of one region per constrained axis.
//!
//! **Invariants:** the work is bounded: every set keeps at most [`MAX_BOXES`] boxes and every
//! search takes at most [`MAX_STEPS`] steps, beyond which the analysis gives up on that node
//! (and reports nothing rather than something unproven); recursion follows the nesting of a
//! condition, which the parser bounds.

// Values are reals by the contract; day numbers and seconds of real dates are far below 2^52,
// and representatives are only printed.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_sign_loss,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)]

use smallvec::SmallVec;

use crate::ast::{CmpOp, PrimType};
use crate::ir::{Cond, CondKind, FieldId, Name, Type, Value, ValueKind, Workflow};

/// The most boxes a set of cases may hold before the analysis of a node gives up.
pub const MAX_BOXES: usize = 4096;
/// The most splitting steps (coverage) or box intersections (overlaps) spent on one node.
pub const MAX_STEPS: usize = 200_000;

/// The most fields one node's conditions may test before the analysis gives up on the node.
pub const MAX_AXES: usize = 64;
/// The deepest the coverage search recurses before it gives up (it keeps the stack small).
pub const MAX_DEPTH: usize = 512;

/// A concrete case: one value per field that matters, rendered as source text.
pub type Case = Vec<(FieldId, String)>;

/// The kind of values an axis ranges over. Names borrow the workflow, so building a node's
/// axes allocates no strings.
#[derive(Clone, Debug, PartialEq)]
enum Domain<'w> {
    /// Reals (numbers and money), cut by points.
    Number(Vec<f64>),
    /// Seconds, cut by points.
    Duration(Vec<f64>),
    /// Whole days since 1970-01-01, cut by points.
    Date(Vec<f64>),
    /// Seconds since 1970-01-01T00:00:00Z, cut by points.
    Datetime(Vec<f64>),
    Bool,
    /// The members of an enum.
    Enum(&'w [Name]),
    /// The strings named, then one region for every other text.
    Text(Vec<&'w str>),
}

impl Domain<'_> {
    fn points(&self) -> Option<&[f64]> {
        match self {
            Domain::Number(p) | Domain::Duration(p) | Domain::Date(p) | Domain::Datetime(p) => {
                Some(p)
            }
            _ => None,
        }
    }

    /// How many regions the domain is cut into.
    fn regions(&self) -> usize {
        match self {
            Domain::Bool => 2,
            Domain::Enum(m) => m.len(),
            Domain::Text(s) => s.len() + 1,
            _ => 2 * self.points().map_or(0, <[f64]>::len) + 1,
        }
    }

    /// Whether a region holds no value at all: an open interval between two consecutive days,
    /// microseconds (a datetime is decided to the microsecond) or 64-bit floating-point numbers
    /// (no double lies between `1` and `1.0000000000000002`; durations are real numbers of
    /// seconds, as numbers are), or the durations below zero.
    fn region_is_empty(&self, r: usize) -> bool {
        let Some(points) = self.points() else {
            return false;
        };
        if r == 0 {
            return matches!(self, Domain::Duration(_))
                && points.first().is_some_and(|&p| p <= 0.0);
        }
        if r % 2 == 1 || r / 2 >= points.len() {
            return false;
        }
        let (lo, hi) = (points[r / 2 - 1], points[r / 2]);
        match self {
            Domain::Date(_) => hi - lo < 2.0,
            Domain::Datetime(_) => (hi * 1e6).round() - (lo * 1e6).round() < 2.0,
            _ => next_up(lo) >= hi,
        }
    }
}

/// The least double greater than `x` (`f64::next_up`, which needs Rust 1.86).
fn next_up(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == 0.0 {
        return f64::from_bits(1);
    }
    let bits = x.to_bits();
    f64::from_bits(if x > 0.0 { bits + 1 } else { bits - 1 })
}

/// A set of regions of one axis, as bits (inline up to 128 regions).
type Regions = SmallVec<[u64; 2]>;

/// The words of a box, inline up to [`INLINE_WORDS`] (eight axes of up to 64 regions each):
/// the analysis builds and drops boxes by the thousand per node, and most fit.
const INLINE_WORDS: usize = 8;
type Words = SmallVec<[u64; INLINE_WORDS]>;

/// A set of boxes (the cases where a condition holds): most are one box, kept inline.
type Set = SmallVec<[CaseBox; 1]>;

fn words(n: usize) -> usize {
    n.div_ceil(64)
}

/// The axes of one node's conditions.
struct Space<'w> {
    fields: Vec<FieldId>,
    domains: Vec<Domain<'w>>,
    /// Where each axis's words start in a box, and (last) how many words a box has.
    offsets: Vec<usize>,
    /// For each axis, the regions that hold at least one value (a box of every case).
    full: CaseBox,
}

/// A box: one set of regions per axis, the axes' words one after the other (the axis `a`
/// holds the words `offsets[a]..offsets[a + 1]` of [`Space`]), so a box is one allocation at
/// most, and none when it fits inline.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct CaseBox(Words);

/// A set of boxes being built, each once, at most [`MAX_BOXES`]: short sets are searched
/// directly, and a hash set is built once a set grows long, so building stays linear.
#[derive(Default)]
struct Boxes {
    list: Set,
    seen: Option<rustc_hash::FxHashSet<CaseBox>>,
}

/// How long a set of boxes grows before it is indexed by a hash set.
const SHORT_SET: usize = 16;

impl Boxes {
    fn push(&mut self, c: CaseBox) -> Result<(), TooBig> {
        let fresh = match &mut self.seen {
            Some(seen) => seen.insert(c.clone()),
            None => !self.list.contains(&c),
        };
        if fresh {
            self.list.push(c);
            if self.seen.is_none() && self.list.len() > SHORT_SET {
                self.seen = Some(self.list.iter().cloned().collect());
            }
            if self.list.len() > MAX_BOXES {
                return Err(TooBig);
            }
        }
        Ok(())
    }
}

/// Gave up: the node's conditions are too large to decide within the bounds.
#[derive(Debug)]
struct TooBig;

impl Space<'_> {
    fn all(&self) -> CaseBox {
        self.full.clone()
    }

    /// The word range of one axis in a box.
    fn axis(&self, axis: usize) -> std::ops::Range<usize> {
        self.offsets[axis]..self.offsets[axis + 1]
    }

    /// The word ranges of every axis, in order.
    fn axes(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        self.offsets.windows(2).map(|w| w[0]..w[1])
    }

    fn is_empty(&self, b: &CaseBox) -> bool {
        self.axes().any(|r| b.0[r].iter().all(|w| *w == 0))
    }

    /// Whether two boxes share a case, without building their intersection.
    fn meet(&self, a: &CaseBox, b: &CaseBox) -> bool {
        self.axes()
            .all(|r| a.0[r.clone()].iter().zip(&b.0[r]).any(|(p, q)| p & q != 0))
    }

    fn intersect_box(&self, a: &CaseBox, b: &CaseBox) -> Option<CaseBox> {
        if !self.meet(a, b) {
            return None;
        }
        // Boxes that meet share a region on every axis: the intersection is not empty.
        Some(CaseBox(a.0.iter().zip(&b.0).map(|(p, q)| p & q).collect()))
    }

    fn intersect(&self, mut a: Set, b: &[CaseBox], steps: &mut usize) -> Result<Set, TooBig> {
        // One box with one box (most of `and`): intersected in place, nothing allocated.
        if let ([x], [y]) = (a.as_mut_slice(), b) {
            *steps += 1;
            if *steps > MAX_STEPS {
                return Err(TooBig);
            }
            if !self.meet(x, y) {
                return Ok(Set::new());
            }
            for (p, q) in x.0.iter_mut().zip(&y.0) {
                *p &= q;
            }
            return Ok(a);
        }
        let mut out = Boxes::default();
        for x in &a {
            for y in b {
                *steps += 1;
                if *steps > MAX_STEPS {
                    return Err(TooBig);
                }
                if let Some(c) = self.intersect_box(x, y) {
                    out.push(c)?;
                }
            }
        }
        Ok(out.list)
    }

    /// The union of two sets of boxes, each without repeats (as every set `eval` builds is).
    fn union(a: Set, b: Set) -> Result<Set, TooBig> {
        if a.is_empty() {
            return Ok(b);
        }
        if b.is_empty() {
            return Ok(a);
        }
        let mut out = Boxes::default();
        for c in a.into_iter().chain(b) {
            out.push(c)?;
        }
        Ok(out.list)
    }

    /// The regions `lo..hi` of one axis that hold a value, a word at a time; with `except`,
    /// every region of the axis but those.
    fn regions_between(&self, axis: usize, lo: usize, hi: usize, except: bool) -> Regions {
        let full = &self.full.0[self.axis(axis)];
        full.iter()
            .enumerate()
            .map(|(w, &f)| {
                let (lo, hi) = (lo.clamp(64 * w, 64 * w + 64), hi.clamp(64 * w, 64 * w + 64));
                let below = |n: usize| match n - 64 * w {
                    64 => u64::MAX,
                    k => (1u64 << k) - 1,
                };
                let mask = below(hi) & !below(lo);
                f & if except { !mask } else { mask }
            })
            .collect()
    }

    /// The regions of one axis among `at`.
    fn regions_at(&self, axis: usize, at: &[usize]) -> Regions {
        let full = &self.full.0[self.axis(axis)];
        let mut set: Regions = SmallVec::from_elem(0, full.len());
        for &r in at {
            if let Some(w) = set.get_mut(r / 64) {
                *w |= full[r / 64] & (1 << (r % 64));
            }
        }
        set
    }
}

/// A constant of a comparison, as the analysis sees it.
#[derive(Clone, Debug, PartialEq)]
enum Constant<'w> {
    Real(f64),
    Bool(bool),
    /// A member of an enum, by its index.
    Index(usize),
    Text(&'w str),
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The day number of `YYYY-MM-DD`.
fn parse_date(s: &str) -> Option<i64> {
    if !super::types::is_iso_date(s) {
        return None;
    }
    let y: i64 = s.get(0..4)?.parse().ok()?;
    let m: i64 = s.get(5..7)?.parse().ok()?;
    let d: i64 = s.get(8..10)?.parse().ok()?;
    Some(days_from_civil(y, m, d))
}

/// Seconds since the epoch of an ISO 8601 datetime (UTC when no offset is written), or of a
/// date (its midnight UTC); `None` for one with a fraction finer than a microsecond.
fn parse_datetime(s: &str) -> Option<f64> {
    if let Some(days) = parse_date(s) {
        return Some(days as f64 * 86_400.0);
    }
    if !super::types::is_iso_datetime(s) {
        return None;
    }
    let days = parse_date(s.get(0..10)?)?;
    let time = s.get(11..)?;
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    // The analysis decides datetimes to the microsecond (what seconds since 1970 keep in 64
    // bits): a constant finer than that is left undecided (the comparison is unknown), so
    // that no case is named on the wrong side of it.
    if fraction.trim_end_matches('0').len() > 6 {
        return None;
    }
    let mut parts = hms.split(':').map(|p| p.parse::<f64>().unwrap_or(0.0));
    let h = parts.next().unwrap_or(0.0);
    let m = parts.next().unwrap_or(0.0);
    let sec = parts.next().unwrap_or(0.0);
    let frac = if fraction.is_empty() {
        0.0
    } else {
        format!("0.{fraction}").parse::<f64>().unwrap_or(0.0)
    };
    let offset = if zone.len() == 6 {
        let sign = if zone.starts_with('-') { -1.0 } else { 1.0 };
        let oh: f64 = zone.get(1..3)?.parse().ok()?;
        let om: f64 = zone.get(4..6)?.parse().ok()?;
        sign * (oh * 3600.0 + om * 60.0)
    } else {
        0.0
    };
    Some(days as f64 * 86_400.0 + h * 3600.0 + m * 60.0 + sec + frac - offset)
}

/// A real number as the source would write it: every digit it takes to read back as the same
/// value (`1.00000005`, not a rounded `1`, which may lie on the other side of a constant).
fn real_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// The number with the fewest decimals strictly between `lo` and `hi` (`1.00000001` between 1
/// and `1.0000001`), or their midpoint when no decimal of up to 17 digits is.
fn shortest_between(lo: f64, hi: f64) -> f64 {
    for digits in 0..=17 {
        let scale = 10f64.powi(digits);
        let x = ((lo * scale).floor() + 1.0) / scale;
        if x > lo && x < hi {
            return x;
        }
    }
    lo.midpoint(hi)
}

/// The datetime with the fewest decimals of a second strictly between `lo` and `hi`, to the
/// microsecond (what seconds since 1970 keep exactly in 64 bits), or their midpoint when they
/// are closer than that.
fn datetime_between(lo: f64, hi: f64) -> f64 {
    let (a, b) = ((lo * 1e6).round() as i64, (hi * 1e6).round() as i64);
    for digits in 0..=6 {
        let step = 10i64.pow(6 - digits);
        let x = (a.div_euclid(step) + 1) * step;
        if x < b {
            return x as f64 / 1e6;
        }
    }
    lo.midpoint(hi)
}

/// A number of seconds as a duration literal.
fn duration_text(x: f64) -> String {
    if x.fract() != 0.0 || x < 0.0 {
        return format!("{}s", real_text(x));
    }
    seconds_text(x as u64)
}

/// A whole number of seconds as a duration literal, largest units first (`5400` is `1h30m`).
pub(crate) fn seconds_text(mut rest: u64) -> String {
    if rest == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [
        ("w", 604_800),
        ("d", 86_400),
        ("h", 3600),
        ("m", 60),
        ("s", 1),
    ] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

fn date_text(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("\"{y:04}-{m:02}-{d:02}\"")
}

/// A datetime in UTC, to the microsecond (what a 64-bit value of seconds since 1970 keeps),
/// with no more fraction digits than it needs.
fn datetime_text(secs: f64) -> String {
    const TICKS: i64 = 1_000_000;
    let ticks = (secs * TICKS as f64).round() as i64;
    let days = ticks.div_euclid(86_400 * TICKS);
    let rest = ticks.rem_euclid(86_400 * TICKS);
    let (y, mo, d) = civil_from_days(days);
    let whole = rest / TICKS;
    let (h, mi, s) = (whole / 3600, whole % 3600 / 60, whole % 60);
    let fraction = rest % TICKS;
    if fraction == 0 {
        format!("\"{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z\"")
    } else {
        let digits = format!("{fraction:06}");
        let digits = digits.trim_end_matches('0');
        format!("\"{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{digits}Z\"")
    }
}

/// A string literal as the source writes it.
fn string_text(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The decidable comparisons of a node's conditions, found while the axes are collected.
struct Collector<'w> {
    wf: &'w Workflow,
    fields: Vec<FieldId>,
    domains: Vec<Domain<'w>>,
    /// The atoms of every condition, in the order [`eval`] meets them (depth first, left to
    /// right): one flat list instead of a tree per condition, so collecting allocates little.
    atoms: Vec<Atom>,
    /// The constants of the `in` atoms (an [`Atom::In`] holds a range of them).
    constants: Vec<Constant<'w>>,
    /// Set when the conditions test more than [`MAX_AXES`] fields.
    overflow: bool,
}

impl<'w> Collector<'w> {
    /// The axis of a field, creating it for a field of a type the analysis decides.
    fn axis(&mut self, f: FieldId) -> Option<usize> {
        if let Some(i) = self.fields.iter().position(|&g| g == f) {
            return Some(i);
        }
        if self.fields.len() == MAX_AXES {
            self.overflow = true;
            return None;
        }
        let domain = match &self.wf.field(f).ty {
            Type::Prim(PrimType::Number | PrimType::Money) => Domain::Number(Vec::new()),
            Type::Prim(PrimType::Duration) => Domain::Duration(Vec::new()),
            Type::Prim(PrimType::Date) => Domain::Date(Vec::new()),
            Type::Prim(PrimType::Datetime) => Domain::Datetime(Vec::new()),
            Type::Prim(PrimType::Bool) => Domain::Bool,
            Type::Prim(PrimType::Text | PrimType::Email | PrimType::Url | PrimType::Summary) => {
                Domain::Text(Vec::new())
            }
            Type::Enum(members) => Domain::Enum(members),
            Type::List(_) => return None,
        };
        self.fields.push(f);
        self.domains.push(domain);
        Some(self.fields.len() - 1)
    }

    /// The constant of a value on an axis, if it is one the axis can hold.
    fn constant(&self, axis: usize, v: &'w Value) -> Option<Constant<'w>> {
        Some(match (&self.domains[axis], &v.kind) {
            (Domain::Number(_), ValueKind::Number(x)) => Constant::Real(*x + 0.0),
            (Domain::Duration(_), ValueKind::Duration(x)) => Constant::Real(*x as f64),
            (Domain::Date(_), ValueKind::String(s)) => Constant::Real(parse_date(s)? as f64),
            (Domain::Datetime(_), ValueKind::String(s)) => Constant::Real(parse_datetime(s)?),
            (Domain::Bool, ValueKind::Bool(b)) => Constant::Bool(*b),
            (Domain::Enum(members), ValueKind::Member(m)) => {
                Constant::Index(members.iter().position(|x| *x.text == **m)?)
            }
            (Domain::Text(_), ValueKind::String(s)) => Constant::Text(s),
            _ => return None,
        })
    }

    /// Registers a constant on its axis.
    fn note(&mut self, axis: usize, c: &Constant<'w>) {
        match (&mut self.domains[axis], c) {
            (
                Domain::Number(p) | Domain::Duration(p) | Domain::Date(p) | Domain::Datetime(p),
                Constant::Real(x),
            ) => p.push(*x),
            // Sorted and made unique once every constant is known.
            (Domain::Text(s), Constant::Text(t)) => s.push(t),
            _ => {}
        }
    }
}

/// A comparison reduced to one field and constants.
enum Atom {
    /// An axis, an operator and the index of the constant in [`Collector::constants`].
    Cmp(usize, CmpOp, usize),
    /// An axis and the range of its constants in [`Collector::constants`].
    In(usize, usize, usize),
    Unknown,
}

/// Whether a comparison has a field on one side: (field, the other side, the operator as seen
/// from the field).
fn orient<'v>(a: &'v Value, op: CmpOp, b: &'v Value) -> Option<(FieldId, CmpOp, &'v Value)> {
    let flip = |op| match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        o => o,
    };
    match (&a.kind, &b.kind) {
        (ValueKind::Field(Some(_)), ValueKind::Field(_))
        | (ValueKind::Field(_), ValueKind::Field(Some(_))) => None,
        (ValueKind::Field(Some(f)), _) => Some((*f, op, b)),
        (_, ValueKind::Field(Some(f))) => Some((*f, flip(op), a)),
        _ => None,
    }
}

fn atom<'w>(col: &mut Collector<'w>, cond: &'w Cond) -> Atom {
    match &cond.kind {
        CondKind::Compare(a, op, b) => {
            let Some((f, op, other)) = orient(a, *op, b) else {
                return Atom::Unknown;
            };
            let Some(axis) = col.axis(f) else {
                return Atom::Unknown;
            };
            let Some(k) = col.constant(axis, other) else {
                return Atom::Unknown;
            };
            col.note(axis, &k);
            col.constants.push(k);
            Atom::Cmp(axis, op, col.constants.len() - 1)
        }
        CondKind::In(a, items) => {
            let ValueKind::Field(Some(f)) = a.kind else {
                return Atom::Unknown;
            };
            let Some(axis) = col.axis(f) else {
                return Atom::Unknown;
            };
            let start = col.constants.len();
            for item in items {
                let Some(k) = col.constant(axis, item) else {
                    col.constants.truncate(start);
                    return Atom::Unknown;
                };
                col.constants.push(k);
            }
            for i in start..col.constants.len() {
                let k = col.constants[i].clone();
                col.note(axis, &k);
            }
            Atom::In(axis, start, col.constants.len())
        }
        CondKind::Bare(v) => match v.kind {
            ValueKind::Field(Some(f)) => match col.axis(f) {
                Some(axis) if matches!(col.domains[axis], Domain::Bool) => {
                    col.constants.push(Constant::Bool(true));
                    Atom::Cmp(axis, CmpOp::Eq, col.constants.len() - 1)
                }
                _ => Atom::Unknown,
            },
            _ => Atom::Unknown,
        },
        _ => Atom::Unknown,
    }
}

/// Whether a condition is `true` or `false` written as a whole (it has no atom).
fn constant_condition(cond: &Cond) -> Option<bool> {
    match cond.kind {
        CondKind::Bare(Value {
            kind: ValueKind::Bool(b),
            ..
        }) => Some(b),
        _ => None,
    }
}

/// Collects the atoms of a condition, in the order [`eval`] walks it.
fn collect<'w>(c: &mut Collector<'w>, cond: &'w Cond) {
    match &cond.kind {
        CondKind::Or(parts) | CondKind::And(parts) => {
            for p in parts {
                collect(c, p);
            }
        }
        CondKind::Not(inner) => collect(c, inner),
        _ if constant_condition(cond).is_some() => {}
        _ => {
            let a = atom(c, cond);
            c.atoms.push(a);
        }
    }
}

/// What [`eval`] reads: the axes, and the atoms and constants in the order it meets them.
struct Reader<'c, 'w> {
    space: &'c Space<'w>,
    atoms: &'c [Atom],
    constants: &'c [Constant<'w>],
    /// The next atom to meet.
    next: usize,
}

/// The routing of one node, decided.
pub struct Decided<'w> {
    space: Space<'w>,
    /// `T(c)` of each condition, in the order given.
    certain: Vec<Set>,
    /// The hull of each `T(c)`: per axis, every region one of its boxes holds. Two conditions
    /// whose hulls do not meet cannot overlap, which most pairs show at once.
    hulls: Vec<Option<CaseBox>>,
    /// Whether some condition has an unknown comparison.
    pub has_unknown: bool,
}

impl<'w> Decided<'w> {
    /// Decides the conditions of one node's routes; `None` when it would take too long.
    pub fn new(wf: &'w Workflow, conditions: &[&'w Cond]) -> Option<Self> {
        let mut c = Collector {
            wf,
            fields: Vec::new(),
            domains: Vec::new(),
            atoms: Vec::new(),
            constants: Vec::new(),
            overflow: false,
        };
        for cond in conditions {
            collect(&mut c, cond);
        }
        if c.overflow {
            return None;
        }
        for d in &mut c.domains {
            if let Domain::Number(p) | Domain::Duration(p) | Domain::Date(p) | Domain::Datetime(p) =
                d
            {
                p.sort_by(f64::total_cmp);
                p.dedup();
            }
            if let Domain::Text(t) = d {
                t.sort_unstable();
                t.dedup();
            }
        }
        let mut offsets = Vec::with_capacity(c.domains.len() + 1);
        let mut full = Words::new();
        for d in &c.domains {
            let at = full.len();
            offsets.push(at);
            full.resize(at + words(d.regions()), 0u64);
            for r in 0..d.regions() {
                if !d.region_is_empty(r) {
                    full[at + r / 64] |= 1 << (r % 64);
                }
            }
        }
        offsets.push(full.len());
        let space = Space {
            fields: c.fields,
            domains: c.domains,
            offsets,
            full: CaseBox(full),
        };
        let mut has_unknown = false;
        let mut steps = 0;
        let mut certain = Vec::with_capacity(conditions.len());
        let mut atoms = Reader {
            space: &space,
            atoms: &c.atoms,
            constants: &c.constants,
            next: 0,
        };
        for cond in conditions {
            let (t, _) = eval(&mut atoms, cond, &mut has_unknown, &mut steps).ok()?;
            certain.push(t);
        }
        let hulls = certain
            .iter()
            .map(|boxes: &Set| {
                let (first, rest) = boxes.split_first()?;
                let mut hull = first.clone();
                for b in rest {
                    for (p, q) in hull.0.iter_mut().zip(&b.0) {
                        *p |= q;
                    }
                }
                Some(hull)
            })
            .collect();
        Some(Decided {
            space,
            certain,
            hulls,
            has_unknown,
        })
    }

    /// A case where conditions `i` and `j` both certainly hold (`Some(None)`: there is none);
    /// `None` when it would take too long to find out.
    pub fn overlap(&self, i: usize, j: usize, steps: &mut usize) -> Option<Option<Case>> {
        *steps += 1;
        if *steps > MAX_STEPS {
            return None;
        }
        match (&self.hulls[i], &self.hulls[j]) {
            (Some(a), Some(b)) if self.space.meet(a, b) => {}
            _ => return Some(None),
        }
        for a in &self.certain[i] {
            for b in &self.certain[j] {
                *steps += 1;
                if *steps > MAX_STEPS {
                    return None;
                }
                if let Some(c) = self.space.intersect_box(a, b) {
                    return Some(Some(self.case(&c, false)));
                }
            }
        }
        Some(None)
    }

    /// A case where no condition certainly holds (`Some(None)`: every case takes a route);
    /// `None` when it would take too long to find out.
    pub fn uncovered(&self) -> Option<Option<Case>> {
        let boxes: Vec<&CaseBox> = self.certain.iter().flatten().collect();
        let mut steps = 0;
        search(&self.space, &self.space.all(), &boxes, &mut steps, 0)
            .ok()
            .map(|found| found.map(|b| self.case(&b, true)))
    }

    /// Whether a box holds every region of every axis.
    fn constrains_none(&self, b: &CaseBox) -> bool {
        self.space
            .axes()
            .all(|range| b.0[range.clone()] == self.space.full.0[range])
    }

    /// One concrete case inside a box: a representative value per constrained axis. With
    /// `name_one`, a value of the first axis when the box constrains none (W501: any value is
    /// such a case; W505 says "in every case" instead).
    fn case(&self, b: &CaseBox, name_one: bool) -> Case {
        let mut out = Vec::new();
        for (axis, range) in self.space.axes().enumerate() {
            let set = &b.0[range.clone()];
            if set == &self.space.full.0[range]
                && (axis > 0 || !name_one || !self.constrains_none(b))
            {
                continue;
            }
            let Some(r) = (0..self.space.domains[axis].regions())
                .find(|r| set[r / 64] & (1 << (r % 64)) != 0)
            else {
                continue;
            };
            out.push((
                self.space.fields[axis],
                representative(&self.space.domains[axis], r),
            ));
        }
        out
    }
}

/// Finds a box inside `region` that none of `boxes` touches.
fn search(
    space: &Space,
    region: &CaseBox,
    boxes: &[&CaseBox],
    steps: &mut usize,
    depth: usize,
) -> Result<Option<CaseBox>, TooBig> {
    // Every box looked at is a step, so the work is bounded, not only the number of splits.
    *steps += 1 + boxes.len();
    if *steps > MAX_STEPS || depth > MAX_DEPTH {
        return Err(TooBig);
    }
    let touching: Vec<&CaseBox> = boxes
        .iter()
        .copied()
        .filter(|b| space.meet(region, b))
        .collect();
    let Some(first) = touching.first() else {
        return Ok(Some(region.clone()));
    };
    // An axis on which the first touching box does not cover the region.
    let split = space.axes().find(|r| {
        region.0[r.clone()]
            .iter()
            .zip(&first.0[r.clone()])
            .any(|(x, y)| x & !y != 0)
    });
    let Some(axis) = split else {
        return Ok(None); // the box covers the whole region
    };
    let inside: Regions = region.0[axis.clone()]
        .iter()
        .zip(&first.0[axis.clone()])
        .map(|(x, y)| x & y)
        .collect();
    let outside: Regions = region.0[axis.clone()]
        .iter()
        .zip(&first.0[axis.clone()])
        .map(|(x, y)| x & !y)
        .collect();
    // First the part in the box's shadow on this axis, in region order, so the case found is
    // the first one in the order of the constants.
    let mut parts = [(inside, true), (outside, false)];
    let lowest = |r: &Regions| {
        r.iter()
            .enumerate()
            .find(|(_, w)| **w != 0)
            .map(|(i, w)| i * 64 + w.trailing_zeros() as usize)
    };
    parts.sort_by_key(|(r, _)| lowest(r));
    for (part, _) in parts {
        let mut sub = region.clone();
        for (w, p) in sub.0[axis.clone()].iter_mut().zip(&part) {
            *w = *p;
        }
        if space.is_empty(&sub) {
            continue;
        }
        // Recursion depth is bounded by the number of boxes: each level either drops `first`
        // (outside) or narrows the region so that `first` covers one more axis (inside).
        if let Some(found) = search(space, &sub, &touching, steps, depth + 1)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// A value of a region, as the source writes it.
fn representative(d: &Domain, r: usize) -> String {
    match d {
        Domain::Bool => (if r == 1 { "true" } else { "false" }).into(),
        Domain::Enum(m) => m.get(r).map(|n| n.text.clone()).unwrap_or_default(),
        Domain::Text(s) => {
            if let Some(t) = s.get(r) {
                return string_text(t);
            }
            let mut other = String::from("other");
            let mut n = 1;
            while s.contains(&other.as_str()) {
                n += 1;
                other = format!("other{n}");
            }
            string_text(&other)
        }
        _ => {
            let points = d.points().unwrap_or(&[]);
            let x = if points.is_empty() {
                0.0
            } else if r % 2 == 1 {
                points[r / 2]
            } else if r == 0 && matches!(d, Domain::Duration(_)) {
                // Region 0 of a duration is `[0s, first)`, not empty when it is looked at: `0s`
                // is in it.
                0.0
            } else if r == 0 {
                points[0] - 1.0
            } else if r / 2 >= points.len() {
                points[points.len() - 1] + 1.0
            } else {
                let (lo, hi) = (points[r / 2 - 1], points[r / 2]);
                if matches!(d, Domain::Date(_)) {
                    lo + 1.0
                } else if matches!(d, Domain::Datetime(_)) {
                    datetime_between(lo, hi)
                } else if hi - lo > 2.0 && (lo + 1.0).fract() == 0.0 {
                    lo.midpoint(hi).floor()
                } else {
                    shortest_between(lo, hi)
                }
            };
            match d {
                Domain::Duration(_) => duration_text(x),
                Domain::Date(_) => date_text(x as i64),
                Domain::Datetime(_) => datetime_text(x),
                _ => real_text(x),
            }
        }
    }
}

/// `T(c)` and `F(c)` of a condition.
fn eval(
    at: &mut Reader<'_, '_>,
    cond: &Cond,
    has_unknown: &mut bool,
    steps: &mut usize,
) -> Result<(Set, Set), TooBig> {
    let space = at.space;
    Ok(match &cond.kind {
        CondKind::Not(inner) => {
            let (t, f) = eval(at, inner, has_unknown, steps)?;
            (f, t)
        }
        CondKind::And(parts) | CondKind::Or(parts) => {
            let is_and = matches!(cond.kind, CondKind::And(_));
            let mut t: Option<Set> = None;
            let mut f: Option<Set> = None;
            for p in parts {
                let (pt, pf) = eval(at, p, has_unknown, steps)?;
                // and: T = ∩T, F = ∪F; or: T = ∪T, F = ∩F.
                let (meet, join) = if is_and {
                    (&mut t, &mut f)
                } else {
                    (&mut f, &mut t)
                };
                let (pm, pj) = if is_and { (pt, pf) } else { (pf, pt) };
                *meet = Some(match meet.take() {
                    None => pm,
                    Some(m) => space.intersect(m, &pm, steps)?,
                });
                *join = Some(match join.take() {
                    None => pj,
                    Some(j) => Space::union(j, pj)?,
                });
            }
            (t.unwrap_or_default(), f.unwrap_or_default())
        }
        _ => {
            if let Some(b) = constant_condition(cond) {
                let all: Set = smallvec::smallvec![space.all()];
                return Ok(if b {
                    (all, Set::new())
                } else {
                    (Set::new(), all)
                });
            }
            let Some(atom) = at.atoms.get(at.next) else {
                *has_unknown = true;
                return Ok((Set::new(), Set::new()));
            };
            at.next += 1;
            let Some((axis, set)) = atom_set(space, atom, at.constants) else {
                *has_unknown = true;
                return Ok((Set::new(), Set::new()));
            };
            let (mut t, mut f) = (space.all(), space.all());
            let range = space.axis(axis);
            for ((tw, fw), s) in t.0[range.clone()].iter_mut().zip(&mut f.0[range]).zip(&set) {
                *tw = *s;
                *fw &= !s;
            }
            (smallvec::smallvec![t], smallvec::smallvec![f])
        }
    })
}

/// The regions where an atom holds (`None` for an unknown one).
fn atom_set(
    space: &Space<'_>,
    atom: &Atom,
    constants: &[Constant<'_>],
) -> Option<(usize, Regions)> {
    let index = |axis: usize, k: &Constant| -> usize {
        match (&space.domains[axis], k) {
            (d, Constant::Real(x)) => {
                let p = d.points().unwrap_or(&[]);
                2 * p.partition_point(|q| q < x) + 1
            }
            (Domain::Bool, Constant::Bool(b)) => usize::from(*b),
            (Domain::Enum(_), Constant::Index(i)) => *i,
            (Domain::Text(s), Constant::Text(t)) => s.binary_search(t).unwrap_or(0),
            _ => 0,
        }
    };
    match *atom {
        Atom::Cmp(axis, op, k) => {
            let at = index(axis, &constants[k]);
            let set = match op {
                CmpOp::Eq => space.regions_between(axis, at, at + 1, false),
                CmpOp::Ne => space.regions_between(axis, at, at + 1, true),
                CmpOp::Lt => space.regions_between(axis, 0, at, false),
                CmpOp::Le => space.regions_between(axis, 0, at + 1, false),
                CmpOp::Gt => space.regions_between(axis, at + 1, usize::MAX, false),
                CmpOp::Ge => space.regions_between(axis, at, usize::MAX, false),
            };
            Some((axis, set))
        }
        Atom::In(axis, start, end) => {
            let at: SmallVec<[usize; 8]> = constants[start..end]
                .iter()
                .map(|k| index(axis, k))
                .collect();
            Some((axis, space.regions_at(axis, &at)))
        }
        Atom::Unknown => None,
    }
}

/// `amount = 600` and `risk = low`, for messages.
pub fn case_text(wf: &Workflow, case: &Case) -> String {
    let parts: Vec<String> = case
        .iter()
        .map(|(f, v)| format!("`{} = {v}`", wf.field(*f).name.text))
        .collect();
    match parts.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips() {
        for days in [-800_000, -1, 0, 1, 59, 60, 365, 11_016, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(parse_date("1970-01-02"), Some(1));
        assert_eq!(parse_datetime("1970-01-01T01:00:00+01:00"), Some(0.0));
        assert_eq!(parse_datetime("1970-01-02"), Some(86_400.0));
    }

    #[test]
    fn values_read_as_source() {
        assert_eq!(duration_text(5400.0), "1h30m");
        assert_eq!(real_text(0.5), "0.5");
        assert_eq!(real_text(600.0), "600");
        assert_eq!(date_text(0), "\"1970-01-01\"");
        assert_eq!(datetime_text(3661.0), "\"1970-01-01T01:01:01Z\"");
        // Every digit that matters, so that a case next to a constant is read on its side.
        assert_eq!(real_text(1.000_000_05), "1.00000005");
        assert_eq!(real_text(shortest_between(1.0, 1.000_000_1)), "1.00000001");
        assert_eq!(real_text(shortest_between(0.1, 0.2)), "0.11");
        let day = parse_datetime("2026-01-01T00:00:00Z").expect("a datetime");
        assert_eq!(
            datetime_text(datetime_between(day, day + 0.001)),
            "\"2026-01-01T00:00:00.0001Z\""
        );
        assert_eq!(real_text(-0.25), "-0.25");
        for text in [
            "\"2026-01-01T00:00:00.0001Z\"",
            "\"2026-01-01T00:00:00.001Z\"",
            "\"1969-12-31T23:59:59.5Z\"",
            "\"2026-03-01T12:30:00Z\"",
        ] {
            let secs = parse_datetime(text.trim_matches('"')).expect("a datetime");
            assert_eq!(datetime_text(secs), text);
        }
        assert_eq!(string_text("a\"b"), "\"a\\\"b\"");
    }
}

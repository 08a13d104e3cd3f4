//! Medians and ranges of repeated measurements.

/// Repeated measurements of one figure.
#[derive(Debug, Clone, Default)]
pub struct Series(Vec<f64>);

impl Series {
    /// Adds a measurement.
    pub fn push(&mut self, x: f64) {
        self.0.push(x);
    }
    /// The median (0 when empty).
    pub fn median(&self) -> f64 {
        let mut s = self.0.clone();
        s.sort_by(f64::total_cmp);
        match s.len() {
            0 => 0.0,
            n if !n.is_multiple_of(2) => s[n / 2],
            n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
        }
    }
    /// The smallest and largest (0, 0 when empty).
    pub fn range(&self) -> (f64, f64) {
        if self.0.is_empty() {
            return (0.0, 0.0);
        }
        self.0
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)))
    }
    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

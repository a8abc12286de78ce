//! The voltage trace of one node: (time ms, Vm mV) samples in a bounded
//! ring, one sample per frame, for the app's plot.

use std::collections::VecDeque;

/// Samples kept: at one sample per frame at 60 frames per second this is
/// 80 s of wall time, many beats at any speed, and a few hundred kB.
pub const TRACE_CAPACITY: usize = 5000;

/// Vm at one mesh node over time, oldest sample first.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    mesh_node: u32,
    samples: VecDeque<[f64; 2]>,
    capacity: usize,
}

impl Trace {
    pub fn new(mesh_node: u32) -> Trace {
        Trace::with_capacity(mesh_node, TRACE_CAPACITY)
    }

    /// A trace keeping at most `capacity` samples (at least one).
    pub fn with_capacity(mesh_node: u32, capacity: usize) -> Trace {
        let capacity = capacity.max(1);
        Trace {
            mesh_node,
            samples: VecDeque::with_capacity(capacity.min(TRACE_CAPACITY)),
            capacity,
        }
    }

    /// The node traced (mesh node order).
    pub fn mesh_node(&self) -> u32 {
        self.mesh_node
    }

    /// Add a sample, dropping the oldest when full. A sample at the same
    /// time as the last one replaces it (a frame that took no step).
    pub fn push(&mut self, time_ms: f64, vm_mv: f64) {
        if let Some(last) = self.samples.back_mut() {
            if last[0] == time_ms {
                last[1] = vm_mv;
                return;
            }
        }
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back([time_ms, vm_mv]);
    }

    pub fn clear(&mut self) {
        self.samples.clear();
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Samples as [time ms, Vm mV], oldest first (what egui_plot takes).
    pub fn points(&self) -> Vec<[f64; 2]> {
        self.samples.iter().copied().collect()
    }

    /// The most recent sample.
    pub fn last(&self) -> Option<[f64; 2]> {
        self.samples.back().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_keeps_the_newest_samples() {
        let mut t = Trace::with_capacity(3, 3);
        for k in 0..5 {
            t.push(k as f64, -80.0 + k as f64);
        }
        assert_eq!(t.points(), vec![[2.0, -78.0], [3.0, -77.0], [4.0, -76.0]]);
        t.push(4.0, 10.0);
        assert_eq!(t.len(), 3);
        assert_eq!(t.last(), Some([4.0, 10.0]));
    }
}

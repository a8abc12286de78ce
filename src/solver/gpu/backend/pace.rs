//! Interactive access to a running [`GpuBackend`]: force nodes to a given u
//! (click-to-pace in the viewer) and read one node's u (a voltage trace).
//! Both touch a few words of the state, never the whole of it, so they can
//! run every frame without a full read-back.

use super::GpuBackend;
use crate::solver::gpu::buffers::{f32_bytes_to_f64, map_read, read_back_at};
use crate::solver::problem::NO_TIME;
use crate::{Error, Result};

/// Bytes per f32 state value.
const WORD: u64 = 4;

/// Sorted, deduplicated `nodes` cut into runs of consecutive indices, as
/// (first, count): one `write_buffer` per run (RCM numbering keeps a small
/// ball of nodes in a few runs).
fn runs(nodes: &[u32]) -> Vec<(u32, u32)> {
    let mut sorted = nodes.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out: Vec<(u32, u32)> = Vec::new();
    for i in sorted {
        match out.last_mut() {
            Some((first, count)) if *first + *count == i => *count += 1,
            _ => out.push((i, 1)),
        }
    }
    out
}

impl GpuBackend {
    fn check_node(&self, solver_node: u32, what: &str) -> Result<()> {
        if solver_node as usize >= self.n {
            return Err(Error::Unsupported(format!(
                "{what}: node {solver_node} is not below the node count {}",
                self.n
            )));
        }
        Ok(())
    }

    /// Set u = `u` at `solver_nodes` in the current state (the buffer the
    /// next step reads), and record the current time as activation time
    /// where a node has none yet and `u` reaches the activation threshold
    /// (the node crosses it now, not inside a step where the kernel would
    /// see it). v is left alone: a refractory node (v high) accepts the
    /// value, but its recovery current pulls it back down and it does not
    /// propagate, which is what real refractory tissue does.
    ///
    /// Inert (scar) nodes are never stepped and would keep the value for
    /// good; callers leave them out.
    pub fn depolarise(&mut self, solver_nodes: &[u32], u: f64) -> Result<()> {
        if !u.is_finite() {
            return Err(Error::Unsupported(format!(
                "depolarise: u must be a finite number (got {u})"
            )));
        }
        for &i in solver_nodes {
            self.check_node(i, "depolarise")?;
        }
        let runs = runs(solver_nodes);
        let (Some(&(lo, _)), Some(&(last, count))) = (runs.first(), runs.last()) else {
            return Ok(());
        };
        let q = self.ctx.queue();
        let buf = &self.u[self.parity()];
        for &(first, count) in &runs {
            let values = vec![u as f32; count as usize];
            q.write_buffer(buf, u64::from(first) * WORD, bytemuck::cast_slice(&values));
        }
        if u < self.lat_threshold_u {
            return Ok(());
        }
        // The activation times of the span [lo, hi]: read once (a click, not
        // a frame), set where unset, written back whole. Nothing else writes
        // `lat` between the read (which waits for the queue) and the write.
        let hi = last + count - 1;
        let span = u64::from(hi - lo + 1);
        let bytes = read_back_at(
            &self.ctx,
            &self.lat,
            u64::from(lo) * WORD,
            span * WORD,
            self.options.timeout,
            "activation times",
        )?;
        let mut lat: Vec<f32> = f32_bytes_to_f64(&bytes)
            .into_iter()
            .map(|t| t as f32)
            .collect();
        let now = (self.steps_done as f64 * self.dt_ms) as f32;
        let mut changed = false;
        for &(first, count) in &runs {
            for i in first..first + count {
                let t = &mut lat[(i - lo) as usize];
                if f64::from(*t) == NO_TIME {
                    *t = now;
                    changed = true;
                }
            }
        }
        if changed {
            self.ctx.queue().write_buffer(
                &self.lat,
                u64::from(lo) * WORD,
                bytemuck::cast_slice(&lat),
            );
        }
        Ok(())
    }

    /// u at one solver node now: a 4-byte copy through a small staging
    /// buffer (for a voltage trace every frame without reading the state).
    pub fn read_u_at(&mut self, solver_node: u32) -> Result<f64> {
        self.check_node(solver_node, "read_u_at")?;
        let mut enc = self
            .ctx
            .device()
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("read one u"),
            });
        enc.copy_buffer_to_buffer(
            &self.u[self.parity()],
            u64::from(solver_node) * WORD,
            &self.node_staging,
            0,
            WORD,
        );
        self.ctx.queue().submit([enc.finish()]);
        let bytes = map_read(
            &self.ctx,
            &self.node_staging,
            WORD,
            self.options.timeout,
            "one node's u",
        )?;
        f32_bytes_to_f64(&bytes)
            .first()
            .copied()
            .ok_or_else(|| Error::Gpu("reading one node's u returned no data".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::runs;

    #[test]
    fn runs_merge_consecutive_indices() {
        assert_eq!(runs(&[7, 3, 4, 5, 9, 4]), vec![(3, 3), (7, 1), (9, 1)]);
        assert!(runs(&[]).is_empty());
    }
}

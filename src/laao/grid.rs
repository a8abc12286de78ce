//! A uniform grid of triangle bins, so that a plane section near a point
//! looks at the triangles near that point instead of the whole surface
//! (a measurement cuts a few hundred planes through a 100k-triangle
//! atrium). Units: mm.

use crate::mesh::geometry::{dist, dot, sub, V3};

/// Triangles binned by centroid; each cell knows how far its triangles
/// reach from its centre, so a query never misses a triangle.
#[derive(Debug, Clone)]
pub struct TriGrid {
    lo: V3,
    cell: f64,
    dims: [usize; 3],
    /// Triangles of cell c: `tris[start[c]..start[c + 1]]`.
    start: Vec<u32>,
    tris: Vec<u32>,
    /// Largest distance from the cell's centre to a vertex of one of its
    /// triangles (mm); 0 for an empty cell.
    reach: Vec<f64>,
    max_reach: f64,
}

/// At most this many cells along an axis (memory stays small for any
/// mesh; a coarser grid only costs speed).
const MAX_DIM: usize = 64;

impl TriGrid {
    /// Bin `tris` of `nodes` in cells of about `cell` mm.
    pub fn new(nodes: &[V3], tris: &[[u32; 3]], cell: f64) -> TriGrid {
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for p in nodes {
            for d in 0..3 {
                lo[d] = lo[d].min(p[d]);
                hi[d] = hi[d].max(p[d]);
            }
        }
        if !lo.iter().chain(&hi).all(|x| x.is_finite()) {
            lo = [0.0; 3];
            hi = [0.0; 3];
        }
        let span = (0..3).map(|d| hi[d] - lo[d]).fold(0.0, f64::max);
        let cell = cell.max(span / MAX_DIM as f64).max(1e-9);
        let dims = [0, 1, 2].map(|d| (((hi[d] - lo[d]) / cell).floor() as usize + 1).min(MAX_DIM));
        let ncell = dims[0] * dims[1] * dims[2];
        let cell_of = |p: V3| {
            let k = [0, 1, 2]
                .map(|d| (((p[d] - lo[d]) / cell).floor().max(0.0) as usize).min(dims[d] - 1));
            (k[2] * dims[1] + k[1]) * dims[0] + k[0]
        };
        let centroid = |t: &[u32; 3]| {
            [0, 1, 2].map(|d| t.iter().map(|&v| nodes[v as usize][d]).sum::<f64>() / 3.0)
        };
        let owner: Vec<usize> = tris.iter().map(|t| cell_of(centroid(t))).collect();
        let mut start = vec![0u32; ncell + 1];
        for &c in &owner {
            start[c + 1] += 1;
        }
        for c in 0..ncell {
            start[c + 1] += start[c];
        }
        let mut fill: Vec<u32> = start[..ncell].to_vec();
        let mut binned = vec![0u32; tris.len()];
        let mut reach = vec![0.0f64; ncell];
        let mut grid = TriGrid {
            lo,
            cell,
            dims,
            start: Vec::new(),
            tris: Vec::new(),
            reach: Vec::new(),
            max_reach: 0.0,
        };
        for (t, &c) in owner.iter().enumerate() {
            binned[fill[c] as usize] = t as u32;
            fill[c] += 1;
            let cc = grid.centre(c);
            for &v in &tris[t] {
                reach[c] = reach[c].max(dist(nodes[v as usize], cc));
            }
        }
        grid.start = start;
        grid.tris = binned;
        grid.max_reach = reach.iter().copied().fold(0.0, f64::max);
        grid.reach = reach;
        grid
    }

    fn centre(&self, c: usize) -> V3 {
        let (i, j, k) = (
            c % self.dims[0],
            (c / self.dims[0]) % self.dims[1],
            c / (self.dims[0] * self.dims[1]),
        );
        let at = |n: usize, d: usize| self.lo[d] + (n as f64 + 0.5) * self.cell;
        [at(i, 0), at(j, 1), at(k, 2)]
    }

    /// Every triangle that may cross the plane (`origin`, unit `normal`)
    /// within `radius` mm of `origin`: a triangle crossing it at a point
    /// that close is always among them.
    pub fn near_plane(&self, origin: V3, normal: V3, radius: f64) -> Vec<u32> {
        let mut out = Vec::new();
        let r = radius + self.max_reach;
        let range = |d: usize| {
            let a = ((origin[d] - r - self.lo[d]) / self.cell).floor().max(0.0) as usize;
            let b = (((origin[d] + r - self.lo[d]) / self.cell).floor().max(0.0) as usize)
                .min(self.dims[d] - 1);
            a..=b
        };
        for k in range(2) {
            for j in range(1) {
                for i in range(0) {
                    let c = (k * self.dims[1] + j) * self.dims[0] + i;
                    let (a, b) = (self.start[c] as usize, self.start[c + 1] as usize);
                    if a == b {
                        continue;
                    }
                    let cc = self.centre(c);
                    let reach = self.reach[c];
                    let off = sub(cc, origin);
                    if dot(off, normal).abs() <= reach && dist(cc, origin) <= radius + reach {
                        out.extend_from_slice(&self.tris[a..b]);
                    }
                }
            }
        }
        // Ascending, as a scan of all triangles would meet them.
        out.sort_unstable();
        out
    }
}

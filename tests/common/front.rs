//! Reading a planar front off an activation map.

#![allow(dead_code)]

use cardiotwin::Mesh;

/// Mean LAT (ms) of the nodes on the plane x = `x` (within 1e-9 mm). Fails
/// the test when no node lies there or the front never reached one of them.
pub fn lat_at_x(mesh: &Mesh, lat: &[f64], x: f64) -> f64 {
    let vals: Vec<f64> = mesh
        .nodes
        .iter()
        .zip(lat)
        .filter(|(p, _)| (p[0] - x).abs() < 1e-9)
        .map(|(_, &t)| t)
        .collect();
    assert!(!vals.is_empty(), "no node at x = {x}");
    assert!(
        vals.iter().all(|t| t.is_finite()),
        "the front never reached x = {x}"
    );
    vals.iter().sum::<f64>() / vals.len() as f64
}

//! The real left atrium: the blood-pool (endocardial) surface of Rodero et
//! al. 2021 case 01 as repackaged in the `ansys-health-heart` wheel
//! (`rodero_01_fullheart_2.0mm.vtu`, CC BY 4.0; see meshes/README.md).
//!
//! The source holds surface triangles (VTK type 5) with a `_surface-id`
//! cell array, whose numbers are named in the `<stem>.namemap.json` beside
//! it (they differ between the wheel's 2.0 mm and 1.5 mm meshes, so they
//! are looked up by name). We keep the LA endocardium ("Left atrium
//! endocardium", 393354 in the 2.0 mm file) and the appendage cap
//! (1009, "left-atrium-appendage"), which closes the endocardium where the
//! source cut the appendage at its inlet. The four pulmonary-vein and the
//! mitral openings stay open (their caps are dropped), as on an imaging
//! surface.
//!
//! Region tags: the labels mark the appendage only by its cap and the
//! interfaces on the cap's rim (no label runs down the appendage's lumen),
//! so the appendage is grown from the cap: along the cap's axis (its
//! area-weighted normal, pointing out of the atrium) the lumen stays
//! enclosed by the endocardium on all sides until it opens into the body.
//! The ostium height is the first 0.5 mm step, moving from the cap into the
//! atrium, at which the plane normal to the axis meets no endocardium
//! within [`OPEN_FACTOR`] cap diameters of the axis in some 30-degree
//! sector around it (the lumen has opened on that side). The appendage (tag 2) is the cap plus the endocardial
//! triangles connected to it whose centroids lie above that height and
//! within that radius; the rest is the body (tag 1).

use super::V3;
use crate::mesh::geometry::{cross, dot, norm, sub};
use crate::mesh::io::read_vtu_array;
use crate::mesh::{ElementKind, Mesh};
use crate::{Error, Result};
use std::collections::HashMap;
use std::path::Path;

/// Name of the LA endocardium in the source's namemap.
pub const LA_ENDOCARDIUM_NAME: &str = "Left atrium endocardium";
/// Name of the left-atrial-appendage cap in the source's namemap.
pub const LAA_CAP_NAME: &str = "left-atrium-appendage";
/// Radius, in cap (area-equivalent) diameters, beyond which a sector counts
/// as open into the atrial body.
pub const OPEN_FACTOR: f64 = 2.0;

/// What the extraction found, for provenance.
#[derive(Debug, Clone)]
pub struct Extraction {
    pub mesh: Mesh,
    pub cap_center: V3,
    /// Cap axis, pointing out of the atrium (into the appendage).
    pub cap_normal: V3,
    pub cap_diameter_mm: f64,
    /// Height of the detected ostium below the cap along the axis (mm, < 0).
    pub ostium_height_mm: f64,
    /// `_surface-id` of the endocardium and of the cap, from the namemap.
    pub endocardium_id: i64,
    pub cap_id: i64,
}

fn array(path: &Path, name: &str) -> Result<Vec<f64>> {
    Ok(read_vtu_array(path, name)?.1)
}

/// The namemap the wheel ships beside each mesh: `x.vtu` -> `x.namemap.json`.
pub fn namemap_path(path: &Path) -> std::path::PathBuf {
    path.with_extension("namemap.json")
}

/// `_surface-id`s of the LA endocardium and the appendage cap, looked up by
/// name in the namemap's `_surface_id_to_name` table.
pub fn surface_ids(path: &Path) -> Result<(i64, i64)> {
    let map_path = namemap_path(path);
    let text = std::fs::read_to_string(&map_path).map_err(|e| {
        Error::parse(
            &map_path,
            "namemap",
            format!("cannot read the surface names that must lie beside the source: {e}"),
        )
    })?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::parse(&map_path, "namemap", e.to_string()))?;
    let table = json
        .get("_surface_id_to_name")
        .and_then(|t| t.as_object())
        .ok_or_else(|| Error::parse(&map_path, "namemap", "no _surface_id_to_name object"))?;
    let find = |want: &str| -> Result<i64> {
        let hits: Vec<i64> = table
            .iter()
            .filter(|(_, v)| v.as_str() == Some(want))
            .filter_map(|(k, _)| k.parse().ok())
            .collect();
        match hits[..] {
            [id] => Ok(id),
            _ => Err(Error::parse(
                &map_path,
                "_surface_id_to_name",
                format!(
                    "expected one numeric id named '{want}', found {}",
                    hits.len()
                ),
            )),
        }
    };
    Ok((find(LA_ENDOCARDIUM_NAME)?, find(LAA_CAP_NAME)?))
}

/// Extract the tagged LA blood-pool surface from the source VTU.
pub fn extract_left_atrium(path: &Path) -> Result<Extraction> {
    let (endo_id, cap_id) = surface_ids(path)?;
    let pts = array(path, "Points")?;
    let conn = array(path, "connectivity")?;
    let offs = array(path, "offsets")?;
    let types = array(path, "types")?;
    let sid = array(path, "_surface-id")?;
    if offs.len() != types.len() || sid.len() != types.len() {
        return Err(Error::parse(
            path,
            "Cells",
            "offsets, types and _surface-id have different lengths",
        ));
    }
    // Triangles of the endocardium and the appendage cap, in file order.
    let mut tris: Vec<([usize; 3], bool)> = Vec::new();
    let mut start = 0usize;
    for i in 0..types.len() {
        let end = offs[i] as usize;
        let id = sid[i] as i64;
        if types[i] as u8 == 5 && (id == endo_id || id == cap_id) {
            if end != start + 3 || end > conn.len() {
                return Err(Error::parse(path, format!("cell {i}"), "bad triangle"));
            }
            tris.push((
                [
                    conn[start] as usize,
                    conn[start + 1] as usize,
                    conn[start + 2] as usize,
                ],
                id == cap_id,
            ));
        }
        start = end;
    }
    if !tris.iter().any(|t| t.1) || !tris.iter().any(|t| !t.1) {
        return Err(Error::invalid_mesh(
            path,
            format!("no triangles with _surface-id {endo_id} and {cap_id}"),
        ));
    }
    // Renumber the nodes used, in their original order.
    let mut map: HashMap<usize, u32> = HashMap::new();
    let mut used: Vec<usize> = tris.iter().flat_map(|t| t.0).collect();
    used.sort_unstable();
    used.dedup();
    let mut nodes = Vec::with_capacity(used.len());
    for &v in &used {
        if 3 * v + 2 >= pts.len() {
            return Err(Error::parse(
                path,
                "connectivity",
                format!("node {v} out of range"),
            ));
        }
        map.insert(v, nodes.len() as u32);
        nodes.push([pts[3 * v], pts[3 * v + 1], pts[3 * v + 2]]);
    }
    let elements: Vec<u32> = tris.iter().flat_map(|t| t.0.map(|v| map[&v])).collect();
    let is_cap: Vec<bool> = tris.iter().map(|t| t.1).collect();
    let mut mesh = Mesh::new(nodes, ElementKind::Triangle, elements);
    orient_consistently(&mut mesh);

    // Cap plane and axis.
    let tri = |m: &Mesh, e: usize| {
        let t = m.element(e);
        (
            m.nodes[t[0] as usize],
            m.nodes[t[1] as usize],
            m.nodes[t[2] as usize],
        )
    };
    let centroid = |a: V3, b: V3, c: V3| [0, 1, 2].map(|d| (a[d] + b[d] + c[d]) / 3.0);
    let (mut area, mut c, mut n) = (0.0, [0.0; 3], [0.0; 3]);
    for e in (0..mesh.element_count()).filter(|&e| is_cap[e]) {
        let (a, b, cc) = tri(&mesh, e);
        let nv = cross(sub(b, a), sub(cc, a));
        let ar = 0.5 * norm(nv);
        let g = centroid(a, b, cc);
        for d in 0..3 {
            c[d] += g[d] * ar;
            n[d] += nv[d];
        }
        area += ar;
    }
    let c = c.map(|x| x / area);
    let mut n = n.map(|x| x / norm(n));
    let body_c = {
        let mut s = [0.0; 3];
        for p in &mesh.nodes {
            for d in 0..3 {
                s[d] += p[d] / mesh.nodes.len() as f64;
            }
        }
        s
    };
    if dot(sub(c, body_c), n) < 0.0 {
        n = n.map(|x| -x);
    }
    let cap_d = 2.0 * (area / std::f64::consts::PI).sqrt();
    let r_open = OPEN_FACTOR * cap_d;
    let hr = |p: V3| {
        let d = sub(p, c);
        let h = dot(d, n);
        let lat = sub(d, n.map(|x| x * h));
        (h, lat)
    };
    // Ostium height: walk from the cap into the atrium.
    let (e1, e2) = {
        let helper = if n[0].abs() < 0.9 {
            [1.0, 0.0, 0.0]
        } else {
            [0.0, 1.0, 0.0]
        };
        let e1 = cross(n, helper);
        let e1 = e1.map(|x| x / norm(e1));
        (e1, cross(n, e1))
    };
    // Unique edges, as (height, lateral offset) of both ends.
    let mut edge_list: Vec<(u32, u32)> = mesh
        .elements
        .chunks_exact(3)
        .flat_map(|t| (0..3).map(move |k| (t[k].min(t[(k + 1) % 3]), t[k].max(t[(k + 1) % 3]))))
        .collect();
    edge_list.sort_unstable();
    edge_list.dedup();
    let node_hr: Vec<(f64, V3)> = mesh.nodes.iter().map(|&p| hr(p)).collect();
    let mut h_ost = None;
    for step in 1..=120 {
        let h = -0.5 * step as f64;
        // Where the endocardium crosses the plane at height h, by sector.
        let mut closed = [false; 12];
        for &(a, b) in &edge_list {
            let ((ha, la), (hb, lb)) = (node_hr[a as usize], node_hr[b as usize]);
            if (ha < h) == (hb < h) {
                continue;
            }
            let s = (h - ha) / (hb - ha);
            let lat = [0, 1, 2].map(|d| la[d] + s * (lb[d] - la[d]));
            if norm(lat) >= r_open {
                continue;
            }
            let ang = dot(lat, e2).atan2(dot(lat, e1)) + std::f64::consts::PI;
            closed[((ang / std::f64::consts::TAU * 12.0) as usize).min(11)] = true;
        }
        if closed.iter().any(|&x| !x) {
            h_ost = Some(h);
            break;
        }
    }
    let h_ost = h_ost.ok_or_else(|| {
        Error::invalid_mesh(
            path,
            "no opening of the appendage into the atrium found within 60 mm of its cap",
        )
    })?;
    // Grow the appendage from the cap across shared edges.
    let inside = |e: usize| {
        let (a, b, cc) = tri(&mesh, e);
        let (h, lat) = hr(centroid(a, b, cc));
        h > h_ost && norm(lat) < r_open
    };
    let mut by_edge: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
    for (e, t) in mesh.elements.chunks_exact(3).enumerate() {
        for k in 0..3 {
            let (a, b) = (t[k], t[(k + 1) % 3]);
            by_edge.entry((a.min(b), a.max(b))).or_default().push(e);
        }
    }
    let mut tag = vec![crate::laao::BODY_TAG; mesh.element_count()];
    let mut stack: Vec<usize> = (0..mesh.element_count()).filter(|&e| is_cap[e]).collect();
    while let Some(e) = stack.pop() {
        if tag[e] == crate::laao::APPENDAGE_TAG {
            continue;
        }
        tag[e] = crate::laao::APPENDAGE_TAG;
        let t = mesh.element(e).to_vec();
        for k in 0..3 {
            let (a, b) = (t[k], t[(k + 1) % 3]);
            for &f in &by_edge[&(a.min(b), a.max(b))] {
                if tag[f] != crate::laao::APPENDAGE_TAG && inside(f) {
                    stack.push(f);
                }
            }
        }
    }
    mesh.regions = tag;
    crate::mesh::validate::validate(&mut mesh, path)?;
    Ok(Extraction {
        mesh,
        cap_center: c,
        cap_normal: n,
        cap_diameter_mm: cap_d,
        ostium_height_mm: h_ost,
        endocardium_id: endo_id,
        cap_id,
    })
}

/// Make every triangle agree with its neighbours across shared edges
/// (breadth-first from triangle 0 per component), then turn the whole
/// surface so its normals point out of the blood pool (positive volume of
/// the region it bounds, with its openings).
fn orient_consistently(mesh: &mut Mesh) {
    let n_el = mesh.element_count();
    let mut by_edge: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
    for (e, t) in mesh.elements.chunks_exact(3).enumerate() {
        for k in 0..3 {
            let (a, b) = (t[k], t[(k + 1) % 3]);
            by_edge.entry((a.min(b), a.max(b))).or_default().push(e);
        }
    }
    let mut done = vec![false; n_el];
    for seed in 0..n_el {
        if done[seed] {
            continue;
        }
        done[seed] = true;
        let mut queue = std::collections::VecDeque::from([seed]);
        while let Some(e) = queue.pop_front() {
            let t = mesh.element(e).to_vec();
            for k in 0..3 {
                let (a, b) = (t[k], t[(k + 1) % 3]);
                for &f in &by_edge[&(a.min(b), a.max(b))] {
                    if done[f] {
                        continue;
                    }
                    // A consistent neighbour traverses the edge as b -> a.
                    let u = mesh.element(f);
                    let same_dir = (0..3).any(|j| u[j] == a && u[(j + 1) % 3] == b);
                    if same_dir {
                        mesh.elements.swap(3 * f + 1, 3 * f + 2);
                    }
                    done[f] = true;
                    queue.push_back(f);
                }
            }
        }
    }
    let c = {
        let mut s = [0.0; 3];
        for p in &mesh.nodes {
            for d in 0..3 {
                s[d] += p[d] / mesh.nodes.len() as f64;
            }
        }
        s
    };
    let vol: f64 = mesh
        .elements
        .chunks_exact(3)
        .map(|t| {
            let p = |i: u32| sub(mesh.nodes[i as usize], c);
            dot(p(t[0]), cross(p(t[1]), p(t[2])))
        })
        .sum();
    if vol < 0.0 {
        for t in mesh.elements.chunks_exact_mut(3) {
            t.swap(1, 2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `case_1.5mm.namemap.json` with `body` in a fresh folder and
    /// returns the path of the (absent) `case_1.5mm.vtu` beside it.
    fn with_namemap(tag: &str, body: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("cardiotwin_rodero_{tag}_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let vtu = dir.join("case_1.5mm.vtu");
        std::fs::write(namemap_path(&vtu), body).unwrap();
        vtu
    }

    #[test]
    fn surface_ids_are_looked_up_by_name_beside_the_source() {
        let vtu = with_namemap(
            "ok",
            r#"{"_surface_id_to_name": {"489673": "Left atrium endocardium",
                "489672": "Left atrium epicardium", "1009": "left-atrium-appendage"}}"#,
        );
        // `x_1.5mm.vtu` keeps its `_1.5mm` stem: only the last extension goes.
        assert_eq!(
            namemap_path(&vtu).file_name().unwrap(),
            "case_1.5mm.namemap.json"
        );
        assert_eq!(surface_ids(&vtu).unwrap(), (489673, 1009));
    }

    #[test]
    fn a_missing_or_ambiguous_name_is_an_error_that_names_it() {
        let vtu = with_namemap(
            "bad",
            r#"{"_surface_id_to_name": {"1": "Left atrium endocardium",
                "2": "Left atrium endocardium", "1009": "left-atrium-appendage"}}"#,
        );
        let e = surface_ids(&vtu).unwrap_err().to_string();
        assert!(
            e.contains("Left atrium endocardium") && e.contains("found 2"),
            "{e}"
        );
        let vtu = with_namemap("none", r#"{"_surface_id_to_name": {}}"#);
        let e = surface_ids(&vtu).unwrap_err().to_string();
        assert!(e.contains("found 0"), "{e}");
        let e = surface_ids(Path::new("/nonexistent/x.vtu"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.namemap.json"), "{e}");
    }
}

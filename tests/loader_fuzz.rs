//! Property tests on bytes for every loader: a valid seed file, mutated
//! (bits flipped, bytes replaced, inserted, deleted, chunks repeated, the
//! file cut short, hostile numbers spliced in), and arbitrary bytes. Every
//! loader must return Ok or an error that names the file: never panic, never
//! hang, never abort on a huge declared count.
//!
//! Each property runs `PROPTEST_CASES` cases (proptest's default, 256): about
//! ten seconds for the whole file in CI. Fuzz longer with, e.g.,
//! `PROPTEST_CASES=20000 cargo test --release --test loader_fuzz`.

use cardiotwin::laao::catalog::Catalog;
use cardiotwin::mesh::io::{self, opencarp, vtk_legacy, write_vtu_with, VtuEncoding};
use cardiotwin::scenario::Scenario;
use cardiotwin::{ElementKind, Mesh};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// Numbers that have broken parsers: negative counts, overflow, NaN.
const HOSTILE: [&str; 10] = [
    "-1",
    "0",
    "nan",
    "inf",
    "1e308",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "99999999999999999999",
    "2147483647",
];

/// One edit of a file.
#[derive(Debug, Clone)]
enum Edit {
    FlipBit(usize, u8),
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
    RepeatChunk(usize, usize),
    Splice(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(p, b)| Edit::FlipBit(p, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Replace(p, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Insert(p, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Edit::RepeatChunk(p, n)),
        (any::<usize>(), 0..HOSTILE.len()).prop_map(|(p, k)| Edit::Splice(p, k)),
    ]
}

/// Apply `edits` to `seed`. Splices replace the number (or word) at the
/// position by a hostile one, so counts and indices get hit, not just bytes.
fn mutate(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for e in edits {
        let at = |p: usize, len: usize| if len == 0 { 0 } else { p % len };
        match *e {
            Edit::FlipBit(p, bit) if !b.is_empty() => {
                let i = at(p, b.len());
                b[i] ^= 1 << bit;
            }
            Edit::Replace(p, v) if !b.is_empty() => {
                let i = at(p, b.len());
                b[i] = v;
            }
            Edit::Insert(p, v) => {
                let i = at(p, b.len() + 1);
                b.insert(i, v);
            }
            Edit::Delete(p) if !b.is_empty() => {
                let i = at(p, b.len());
                b.remove(i);
            }
            Edit::Truncate(p) => {
                let i = at(p, b.len() + 1);
                b.truncate(i);
            }
            Edit::RepeatChunk(p, n) if !b.is_empty() => {
                let i = at(p, b.len());
                let chunk: Vec<u8> = b[i..(i + n).min(b.len())].to_vec();
                b.splice(i..i, chunk);
            }
            Edit::Splice(p, k) if !b.is_empty() => {
                let i = at(p, b.len());
                let start = b[..i]
                    .iter()
                    .rposition(|c| c.is_ascii_whitespace())
                    .map_or(0, |s| s + 1);
                let end = b[i..]
                    .iter()
                    .position(|c| c.is_ascii_whitespace())
                    .map_or(b.len(), |e| i + e);
                b.splice(start..end, HOSTILE[k].bytes());
            }
            _ => {}
        }
    }
    b
}

/// Mutated seeds most of the time, arbitrary bytes sometimes.
fn bytes_from(seed: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        9 => prop::collection::vec(edit(), 1..6).prop_map(move |e| mutate(&seed, &e)),
        1 => prop::collection::vec(any::<u8>(), 0..300),
    ]
}

/// A small valid mesh: two positive tetrahedra, 10 mm, regions 1 and 2, fibres.
fn seed_mesh() -> Mesh {
    let nodes = vec![
        [0.0, 0.0, 0.0],
        [10.0, 0.0, 0.0],
        [0.0, 10.0, 0.0],
        [0.0, 0.0, 10.0],
        [10.0, 10.0, 10.0],
    ];
    let mut m = Mesh::new(
        nodes,
        ElementKind::Tetrahedron,
        vec![0, 1, 2, 3, 1, 2, 3, 4],
    );
    m.regions = vec![1, 2];
    m.fibres = Some(vec![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]);
    m
}

fn project(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Seed bytes made by one of our writers.
fn written(name: &str, write: impl Fn(&Path)) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    write(&p);
    std::fs::read(&p).unwrap()
}

/// The loader either succeeds or says which file is wrong.
fn check_outcome<T>(result: cardiotwin::Result<T>, file: &Path) -> Result<(), TestCaseError> {
    if let Err(e) = result {
        let msg = e.to_string();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        prop_assert!(
            msg.contains(&name) && msg.len() > name.len() + 5,
            "an error that does not name {name} clearly: {msg}"
        );
    }
    Ok(())
}

/// Write `bytes` as `name` in a fresh folder and load it as a mesh.
fn load_mesh_bytes(name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    check_outcome(io::load(&p), &p)
}

macro_rules! mesh_property {
    ($name:ident, $file:expr, $seed:expr) => {
        proptest! {
            #[test]
            fn $name(bytes in bytes_from($seed)) {
                load_mesh_bytes($file, &bytes)?;
            }
        }
    };
}

mesh_property!(
    vtk_legacy_ascii_never_panics,
    "m.vtk",
    written("s.vtk", |p| vtk_legacy::write_vtk(p, &seed_mesh(), false)
        .unwrap())
);
mesh_property!(
    vtk_legacy_binary_never_panics,
    "m.vtk",
    written("s.vtk", |p| vtk_legacy::write_vtk(p, &seed_mesh(), true)
        .unwrap())
);
mesh_property!(
    vtk_51_meshio_binary_never_panics,
    "m.vtk",
    std::fs::read(project("tests/data/meshio/tets_binary.vtk")).unwrap()
);
mesh_property!(
    vtk_51_meshio_ascii_never_panics,
    "m.vtk",
    std::fs::read(project("tests/data/meshio/tets_ascii.vtk")).unwrap()
);
mesh_property!(
    vtu_ascii_never_panics,
    "m.vtu",
    written("s.vtu", |p| write_vtu_with(
        p,
        &seed_mesh(),
        &[],
        &[],
        VtuEncoding::Ascii
    )
    .unwrap())
);
mesh_property!(
    vtu_base64_never_panics,
    "m.vtu",
    written("s.vtu", |p| write_vtu_with(
        p,
        &seed_mesh(),
        &[],
        &[],
        VtuEncoding::Binary
    )
    .unwrap())
);
mesh_property!(
    vtu_zlib_never_panics,
    "m.vtu",
    written("s.vtu", |p| write_vtu_with(
        p,
        &seed_mesh(),
        &[],
        &[],
        VtuEncoding::Compressed
    )
    .unwrap())
);
mesh_property!(
    stl_ascii_never_panics,
    "m.stl",
    std::fs::read(project("tests/data/meshio/surface_ascii.stl")).unwrap()
);
mesh_property!(
    stl_binary_never_panics,
    "m.stl",
    std::fs::read(project("tests/data/meshio/surface_binary.stl")).unwrap()
);
mesh_property!(
    obj_never_panics,
    "m.obj",
    b"# surface\nv 0 0 0\nv 10 0 0\nv 0 10 0\nv 0 0 10\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n"
        .to_vec()
);

/// The three openCARP files of the seed mesh (um, as openCARP writes).
fn opencarp_seed() -> [Vec<u8>; 3] {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("s");
    opencarp::write_opencarp(&base, &seed_mesh(), 1000.0).unwrap();
    ["pts", "elem", "lon"].map(|e| std::fs::read(base.with_extension(e)).unwrap())
}

proptest! {
    /// One of .pts, .elem, .lon mutated, the others intact.
    #[test]
    fn opencarp_never_panics(which in 0usize..3, edits in prop::collection::vec(edit(), 1..6)) {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("m");
        let exts = ["pts", "elem", "lon"];
        let seed = opencarp_seed();
        let mut culprit = base.with_extension(exts[which]);
        for (k, ext) in exts.iter().enumerate() {
            let bytes = if k == which { mutate(&seed[k], &edits) } else { seed[k].clone() };
            std::fs::write(base.with_extension(ext), bytes).unwrap();
        }
        let result = io::load(&base);
        // A valid file next to the mutated one may be the one named (a
        // count that no longer matches), or the mesh as a whole.
        if let Err(e) = &result {
            let msg = e.to_string();
            if !msg.contains(&format!("m.{}", exts[which])) {
                culprit = base.clone();
            }
        }
        check_outcome(result, &culprit)?;
    }

    #[test]
    fn opencarp_vtx_never_panics(bytes in bytes_from(b"3\nintra\n4\n7\n9\n".to_vec())) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("apex.vtx");
        std::fs::write(&p, &bytes).unwrap();
        check_outcome(opencarp::read_vtx(&p), &p)?;
    }

    #[test]
    fn scenario_toml_never_panics(
        bytes in bytes_from(std::fs::read(project("assets/scenarios/slab.toml")).unwrap())
    ) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.toml");
        std::fs::write(&p, &bytes).unwrap();
        check_outcome(Scenario::load(&p), &p)?;
    }

    #[test]
    fn device_catalog_toml_never_panics(
        bytes in bytes_from(std::fs::read(project("assets/devices.toml")).unwrap())
    ) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("devices.toml");
        std::fs::write(&p, &bytes).unwrap();
        check_outcome(Catalog::load(&p), &p)?;
    }
}

#[test]
fn every_seed_loads_unmutated() {
    // The properties mean something only if their seeds are valid files.
    let dir = tempfile::tempdir().unwrap();
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        (
            "a.vtk",
            written("s.vtk", |p| {
                vtk_legacy::write_vtk(p, &seed_mesh(), false).unwrap()
            }),
        ),
        (
            "b.vtk",
            written("s.vtk", |p| {
                vtk_legacy::write_vtk(p, &seed_mesh(), true).unwrap()
            }),
        ),
        (
            "c.vtu",
            written("s.vtu", |p| {
                write_vtu_with(p, &seed_mesh(), &[], &[], VtuEncoding::Compressed).unwrap()
            }),
        ),
        (
            "d.stl",
            std::fs::read(project("tests/data/meshio/surface_ascii.stl")).unwrap(),
        ),
    ];
    for (name, bytes) in seeds {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        io::load(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let base = dir.path().join("oc");
    for (k, ext) in ["pts", "elem", "lon"].iter().enumerate() {
        std::fs::write(base.with_extension(ext), &opencarp_seed()[k]).unwrap();
    }
    assert_eq!(io::load(&base).unwrap().nodes, seed_mesh().nodes);
    io::load(&project("tests/data/meshio/surface_binary.stl")).unwrap();
    let obj = dir.path().join("e.obj");
    std::fs::write(
        &obj,
        b"v 0 0 0\nv 10 0 0\nv 0 10 0\nv 0 0 10\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n",
    )
    .unwrap();
    io::load(&obj).unwrap();
    Scenario::load(&project("assets/scenarios/slab.toml")).unwrap();
    Catalog::load(&project("assets/devices.toml")).unwrap();
}

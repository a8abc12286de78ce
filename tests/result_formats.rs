//! Result files for other tools (issue 12, item 7): LAT and Vm in openCARP's
//! formats (`.dat` per node, `.igb` time series) beside the VTU, and Vm
//! snapshots that store the geometry once (EnSight Gold case), read back.

use cardiotwin::mesh::io;
use cardiotwin::output::ensight;
use cardiotwin::output::opencarp::{self, read_igb, IgbHeader, IGB_HEADER_BYTES};
use cardiotwin::output::results::{SnapshotWriter, SNAPSHOT_CASE, VM_IGB};
use std::path::Path;

fn slab() -> cardiotwin::Mesh {
    io::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/slab_20x7x3_0.5mm.vtk"))
        .expect("slab")
}

/// Vm of frame `k` at node `i`: distinct values, exact in f32.
fn vm(k: usize, i: usize) -> f64 {
    -80.0 + ((k * 7 + i) % 100) as f64 + 0.25
}

#[test]
fn snapshots_store_the_geometry_once_and_read_back() {
    let mesh = slab();
    let n = mesh.node_count();
    let dir = tempfile::tempdir().unwrap();
    let mut w = SnapshotWriter::new(dir.path());
    let frames = 17;
    for k in 0..frames {
        let v: Vec<f64> = (0..n).map(|i| vm(k, i)).collect();
        w.write(&mesh, k, 20.0 * k as f64, &v).unwrap();
    }
    let outputs = w.finish().unwrap();
    assert_eq!(outputs, vec![SNAPSHOT_CASE, "snapshots/", VM_IGB]);

    // One geometry file; each frame is one float per node plus 244 bytes.
    let files: Vec<_> = std::fs::read_dir(dir.path().join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.iter().filter(|f| f.ends_with(".geo")).count(), 1);
    assert_eq!(files.iter().filter(|f| f.ends_with(".scl")).count(), frames);
    let frame_bytes = std::fs::metadata(dir.path().join("snapshots/vm_mv_00016.scl"))
        .unwrap()
        .len();
    assert_eq!(frame_bytes, 244 + 4 * n as u64);
    let geo_bytes = std::fs::metadata(dir.path().join("snapshots/vm_mv.geo"))
        .unwrap()
        .len();
    let expected_geo = 80 * 8 + 4 * 3 + 12 * n + 4 * mesh.elements.len() + 80;
    assert_eq!(geo_bytes, expected_geo as u64);

    let case = std::fs::read_to_string(dir.path().join(SNAPSHOT_CASE)).unwrap();
    assert!(case.contains("type: ensight gold"), "{case}");
    assert!(case.contains("model: snapshots/vm_mv.geo"), "{case}");
    assert!(
        case.contains("scalar per node: 1 vm_mv snapshots/vm_mv_*****.scl"),
        "{case}"
    );
    assert!(
        case.contains("number of steps: 17") && case.contains("\n320\n"),
        "{case}"
    );
    let last =
        ensight::read_node_scalars(&dir.path().join("snapshots/vm_mv_00016.scl"), n).unwrap();
    assert!(last.iter().enumerate().all(|(i, &x)| x as f64 == vm(16, i)));

    // The same frames as openCARP's IGB.
    let (h, data) = read_igb(&dir.path().join(VM_IGB)).unwrap();
    assert_eq!(
        h,
        IgbHeader {
            nodes: n,
            frames,
            org_t: 0.0,
            inc_t: 20.0,
            unites: "mV".into()
        }
    );
    assert_eq!(data.len(), frames);
    for (k, f) in data.iter().enumerate() {
        assert!(
            f.iter().enumerate().all(|(i, &x)| x as f64 == vm(k, i)),
            "frame {k}"
        );
    }
    let raw = std::fs::read(dir.path().join(VM_IGB)).unwrap();
    assert_eq!(raw.len(), IGB_HEADER_BYTES + 4 * n * frames);
    // No temporary file left behind.
    assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".tmp")));
}

#[test]
fn no_snapshots_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    assert!(SnapshotWriter::new(dir.path()).finish().unwrap().is_empty());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn snapshots_at_uneven_times_are_refused_for_igb() {
    let mesh = slab();
    let v = vec![0.0; mesh.node_count()];
    let dir = tempfile::tempdir().unwrap();
    let mut w = SnapshotWriter::new(dir.path());
    for (k, t) in [0.0, 1.0, 3.0].into_iter().enumerate() {
        w.write(&mesh, k, t, &v).unwrap();
    }
    let err = w.finish().unwrap_err().to_string();
    assert!(
        err.contains("evenly spaced") && err.contains("vm.igb"),
        "{err}"
    );
    assert!(!dir.path().join(VM_IGB).exists());
}

#[test]
fn lat_dat_has_one_line_per_node_and_minus_one_where_never_reached() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("lat.dat");
    opencarp::write_dat(&p, &[0.0, 12.5, f64::NAN, 3.25]).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "0\n12.5\n-1\n3.25\n");
}

#[test]
fn igb_reader_rejects_a_short_file_and_a_wrong_count() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.igb");
    std::fs::write(&p, b"x:3 y:1 z:1 t:2 type:float").unwrap();
    let e = read_igb(&p).unwrap_err().to_string();
    assert!(e.contains("x.igb") && e.contains("1024"), "{e}");
    let mut b = IgbHeader {
        nodes: 3,
        frames: 2,
        org_t: 0.0,
        inc_t: 1.0,
        unites: "mV".into(),
    }
    .to_bytes();
    b.extend_from_slice(&[0u8; 4 * 5]);
    std::fs::write(&p, &b).unwrap();
    let e = read_igb(&p).unwrap_err().to_string();
    assert!(e.contains("2 frames of 3 floats"), "{e}");
}

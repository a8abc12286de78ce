//! Round trips through every mesh format on small generated meshes, plus
//! hand-written files in the layouts other tools produce (ParaView's UInt32
//! zlib headers, appended raw data, mixed cells, legacy attributes).

use base64::prelude::{Engine, BASE64_STANDARD};
use cardiotwin::mesh::geometry::element_measure;
use cardiotwin::mesh::info::MeshInfo;
use cardiotwin::mesh::io::{
    self, extract_regions, opencarp, read_vtu_array, vtk_legacy, write_vtu, write_vtu_with,
    DataArray, LoadOptions, VtuEncoding, VtuWriteOptions,
};
use cardiotwin::{ElementKind, Mesh};
use std::io::Write;
use std::path::{Path, PathBuf};

/// An n x n x n box of unit cubes (edge `h` mm), 6 positive tets per cube,
/// regions 1 (x < half) and 2, and fibres along x rotated a little per element.
fn tet_box(n: usize, h: f64) -> Mesh {
    let id = |i: usize, j: usize, k: usize| (i + (n + 1) * (j + (n + 1) * k)) as u32;
    let mut nodes = Vec::new();
    for k in 0..=n {
        for j in 0..=n {
            for i in 0..=n {
                nodes.push([i as f64 * h, j as f64 * h, k as f64 * h]);
            }
        }
    }
    // Kuhn subdivision: paths from corner 000 to 111 along each axis order.
    let perms = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut elements = Vec::new();
    let mut regions = Vec::new();
    for k in 0..n {
        for j in 0..n {
            for i in 0..n {
                for p in perms {
                    let mut c = [i, j, k];
                    let mut tet = vec![id(c[0], c[1], c[2])];
                    for axis in p {
                        c[axis] += 1;
                        tet.push(id(c[0], c[1], c[2]));
                    }
                    elements.extend_from_slice(&tet);
                    regions.push(if 2 * i < n { 1 } else { 2 });
                }
            }
        }
    }
    let mut m = Mesh::new(nodes, ElementKind::Tetrahedron, elements);
    // Make every tet positive so the mesh is valid as written.
    for e in 0..m.element_count() {
        if element_measure(&m, e) < 0.0 {
            m.elements.swap(4 * e + 2, 4 * e + 3);
        }
    }
    m.regions = regions;
    let ne = m.element_count();
    m.fibres = Some(
        (0..ne)
            .map(|e| {
                let a = e as f64 * 0.01;
                [a.cos(), a.sin(), 0.0]
            })
            .collect(),
    );
    m
}

/// A closed cube surface (2 triangles per face, outward), edge 2 mm.
fn cube_surface() -> Mesh {
    let nodes: Vec<[f64; 3]> = (0..8)
        .map(|b| {
            [
                2.0 * (b & 1) as f64,
                2.0 * ((b >> 1) & 1) as f64,
                2.0 * ((b >> 2) & 1) as f64,
            ]
        })
        .collect();
    let quads = [
        [0, 2, 3, 1],
        [4, 5, 7, 6],
        [0, 1, 5, 4],
        [2, 6, 7, 3],
        [0, 4, 6, 2],
        [1, 3, 7, 5],
    ];
    let mut el = Vec::new();
    for q in quads {
        el.extend_from_slice(&[q[0], q[1], q[2], q[0], q[2], q[3]]);
    }
    let mut m = Mesh::new(nodes, ElementKind::Triangle, el);
    m.regions = (0..12).map(|e| e / 2).collect();
    m
}

fn assert_same_mesh(a: &Mesh, b: &Mesh) {
    assert_eq!(a.kind, b.kind);
    assert_eq!(a.nodes, b.nodes, "nodes differ");
    assert_eq!(a.elements, b.elements, "elements differ");
    assert_eq!(a.regions, b.regions, "regions differ");
    match (&a.fibres, &b.fibres) {
        (Some(x), Some(y)) => {
            for (p, q) in x.iter().zip(y) {
                for d in 0..3 {
                    assert!((p[d] - q[d]).abs() < 1e-12, "fibres differ: {p:?} vs {q:?}");
                }
            }
        }
        (None, None) => {}
        _ => panic!("fibres present in one mesh only"),
    }
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).expect("write fixture");
}

fn vtu_round_trip(enc: VtuEncoding) {
    let dir = tmp();
    let path = dir.path().join("box.vtu");
    let m = tet_box(3, 0.5);
    let vm: Vec<f64> = (0..m.node_count())
        .map(|i| {
            if i == 5 {
                f64::NAN
            } else {
                i as f64 * 0.25 - 80.0
            }
        })
        .collect();
    let lat: Vec<f64> = (0..m.element_count())
        .map(|e| if e % 7 == 0 { f64::NAN } else { e as f64 })
        .collect();
    write_vtu_with(
        &path,
        &m,
        &[DataArray {
            name: "Vm",
            components: 1,
            values: &vm,
        }],
        &[DataArray {
            name: "lat",
            components: 1,
            values: &lat,
        }],
        enc,
    )
    .unwrap();
    let back = io::load(&path).unwrap();
    assert_same_mesh(&m, &back);
    let (c, vm_back) = read_vtu_array(&path, "Vm").unwrap();
    assert_eq!(c, 1);
    assert!(vm_back[5].is_nan(), "NaN must survive {enc:?}");
    for (i, (a, b)) in vm.iter().zip(&vm_back).enumerate() {
        if i != 5 {
            assert_eq!(a.to_bits(), b.to_bits(), "Vm[{i}]");
        }
    }
    let (_, lat_back) = read_vtu_array(&path, "lat").unwrap();
    assert_eq!(
        lat_back.iter().filter(|v| v.is_nan()).count(),
        lat.iter().filter(|v| v.is_nan()).count()
    );
}

#[test]
fn vtu_ascii_round_trip_keeps_mesh_and_nan() {
    vtu_round_trip(VtuEncoding::Ascii);
}

#[test]
fn vtu_binary_round_trip_keeps_mesh_and_nan_bits() {
    vtu_round_trip(VtuEncoding::Binary);
}

#[test]
fn vtu_compressed_round_trip_keeps_mesh_and_nan_bits() {
    vtu_round_trip(VtuEncoding::Compressed);
}

#[test]
fn vtu_nan_is_bit_exact_in_binary() {
    let dir = tmp();
    let path = dir.path().join("nan.vtu");
    let m = tet_box(1, 1.0);
    let payload = f64::from_bits(0x7ff8_0000_dead_beef);
    let vals: Vec<f64> = (0..m.node_count())
        .map(|i| if i == 0 { payload } else { 0.0 })
        .collect();
    write_vtu(
        &path,
        &m,
        &[DataArray {
            name: "x",
            components: 1,
            values: &vals,
        }],
        &[],
        VtuWriteOptions::default(),
    )
    .unwrap();
    let (_, back) = read_vtu_array(&path, "x").unwrap();
    assert_eq!(back[0].to_bits(), payload.to_bits());
}

#[test]
fn vtu_writer_follows_the_spec_header_and_types() {
    let dir = tmp();
    let path = dir.path().join("spec.vtu");
    write_vtu(
        &path,
        &tet_box(1, 1.0),
        &[],
        &[],
        VtuWriteOptions { compress: true },
    )
    .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("<?xml version=\"1.0\"?>"));
    assert!(text.contains("type=\"UnstructuredGrid\""));
    assert!(text.contains("header_type=\"UInt64\""));
    assert!(text.contains("compressor=\"vtkZLibDataCompressor\""));
    assert!(text.contains("<DataArray type=\"Int32\" Name=\"connectivity\""));
    assert!(text.contains("<DataArray type=\"Int32\" Name=\"offsets\""));
    assert!(text.contains("<DataArray type=\"UInt8\" Name=\"types\""));
    assert!(text.contains("<DataArray type=\"Int32\" Name=\"region\""));
    assert!(text.contains("Name=\"fibres\" NumberOfComponents=\"3\""));
    let (_, offsets) = read_vtu_array(&path, "offsets").unwrap();
    assert_eq!(offsets, (1..=6).map(|e| (4 * e) as f64).collect::<Vec<_>>());
    let (_, types) = read_vtu_array(&path, "types").unwrap();
    assert!(types.iter().all(|&t| t == 10.0));
}

/// A VTU like ParaView writes: UInt32 header, zlib, Int64 connectivity,
/// mixed triangles and tets, region array under a custom name.
#[test]
fn paraview_style_uint32_zlib_vtu_with_mixed_cells_keeps_tets_and_custom_region() {
    fn z(bytes: &[u8]) -> String {
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        let c = enc.finish().unwrap();
        let header: Vec<u8> = [1u32, 32768, bytes.len() as u32, c.len() as u32]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        format!(
            "{}{}",
            BASE64_STANDARD.encode(header),
            BASE64_STANDARD.encode(c)
        )
    }
    let pts: Vec<u8> = [
        [0.0f32, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
        [1.0, 1.0, 1.0],
    ]
    .iter()
    .flatten()
    .flat_map(|v| v.to_le_bytes())
    .collect();
    // cell 0: triangle, cell 1: tet, cell 2: tet, cell 3: vertex
    let conn: Vec<u8> = [0i64, 1, 2, 0, 1, 2, 3, 1, 2, 3, 4, 4]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let offs: Vec<u8> = [3i64, 7, 11, 12]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let types: Vec<u8> = vec![5, 10, 10, 1];
    let vid: Vec<u8> = [0i32, 7, 3, 9]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let xml = format!(
        r#"<?xml version="1.0"?>
<VTKFile type="UnstructuredGrid" version="0.1" byte_order="LittleEndian" header_type="UInt32" compressor="vtkZLibDataCompressor">
  <UnstructuredGrid>
    <Piece NumberOfPoints="5" NumberOfCells="4">
      <CellData>
        <DataArray type="Int32" Name="_volume-id" format="binary">
          {}
        </DataArray>
      </CellData>
      <Points>
        <DataArray type="Float32" Name="Points" NumberOfComponents="3" format="binary">{}</DataArray>
      </Points>
      <Cells>
        <DataArray type="Int64" Name="connectivity" format="binary">{}</DataArray>
        <DataArray type="Int64" Name="offsets" format="binary">{}</DataArray>
        <DataArray type="UInt8" Name="types" format="binary">{}</DataArray>
      </Cells>
    </Piece>
  </UnstructuredGrid>
</VTKFile>
"#,
        z(&vid),
        z(&pts),
        z(&conn),
        z(&offs),
        z(&types)
    );
    let dir = tmp();
    let path = dir.path().join("pv.vtu");
    write(&path, xml.as_bytes());
    let opts = LoadOptions {
        region_array: Some("_volume-id".into()),
        ..Default::default()
    };
    let m = io::load_with(&path, &opts).unwrap();
    assert_eq!(m.kind, ElementKind::Tetrahedron);
    assert_eq!(m.element_count(), 2);
    assert_eq!(
        m.regions,
        vec![7, 3],
        "cell data must stay aligned after dropping the triangle"
    );
    // Without the option the default names are used: no region array, tags 0.
    let m0 = io::load(&path).unwrap();
    assert_eq!(m0.regions, vec![0, 0]);
}

#[test]
fn appended_raw_vtu_is_read() {
    let pts: Vec<u8> = [[0.0f64, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
        .iter()
        .flatten()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let conn: Vec<u8> = [0i32, 1, 2].iter().flat_map(|v| v.to_le_bytes()).collect();
    let offs: Vec<u8> = 3i32.to_le_bytes().to_vec();
    let types = vec![5u8];
    let tag: Vec<u8> = 4i32.to_le_bytes().to_vec();
    let mut blob = Vec::new();
    let mut offsets = Vec::new();
    for a in [&tag, &pts, &conn, &offs, &types] {
        offsets.push(blob.len());
        blob.extend_from_slice(&(a.len() as u64).to_le_bytes());
        blob.extend_from_slice(a);
    }
    let head = format!(
        r#"<VTKFile type="UnstructuredGrid" version="1.0" byte_order="LittleEndian" header_type="UInt64">
<UnstructuredGrid><Piece NumberOfPoints="3" NumberOfCells="1">
<CellData><DataArray type="Int32" Name="tag" format="appended" offset="{}"/></CellData>
<Points><DataArray type="Float64" NumberOfComponents="3" format="appended" offset="{}"/></Points>
<Cells>
<DataArray type="Int32" Name="connectivity" format="appended" offset="{}"/>
<DataArray type="Int32" Name="offsets" format="appended" offset="{}"/>
<DataArray type="UInt8" Name="types" format="appended" offset="{}"/>
</Cells></Piece></UnstructuredGrid>
<AppendedData encoding="raw">
_"#,
        offsets[0], offsets[1], offsets[2], offsets[3], offsets[4]
    );
    let mut file = head.into_bytes();
    file.extend_from_slice(&blob);
    file.extend_from_slice(b"\n</AppendedData>\n</VTKFile>\n");
    let dir = tmp();
    let path = dir.path().join("app.vtu");
    write(&path, &file);
    let m = io::load(&path).unwrap();
    assert_eq!(m.kind, ElementKind::Triangle);
    assert_eq!(m.nodes[1], [1.0, 0.0, 0.0]);
    assert_eq!(m.regions, vec![4]);
}

#[test]
fn legacy_vtk_ascii_round_trip() {
    let dir = tmp();
    let path = dir.path().join("box.vtk");
    let m = tet_box(2, 1.5);
    vtk_legacy::write_vtk(&path, &m, false).unwrap();
    assert_same_mesh(&m, &io::load(&path).unwrap());
}

#[test]
fn legacy_vtk_binary_round_trip() {
    let dir = tmp();
    let path = dir.path().join("box.vtk");
    let m = tet_box(2, 1.5);
    vtk_legacy::write_vtk(&path, &m, true).unwrap();
    assert_same_mesh(&m, &io::load(&path).unwrap());
}

#[test]
fn legacy_vtk_skips_lookup_tables_fields_and_point_data() {
    let text = "# vtk DataFile Version 3.0
test
ASCII
DATASET UNSTRUCTURED_GRID
FIELD FieldData 1
TIME 1 1 double
0.5
POINTS 5 float
0 0 0 1 0 0 0 1 0
0 0 1 1 1 1
CELLS 4 16
4 0 1 2 3
3 0 1 2
1 4
4 1 2 3 4
CELL_TYPES 4
10
5
1
10
CELL_DATA 4
SCALARS pressure float 1
LOOKUP_TABLE default
1.5 2.5 3.5 4.5
SCALARS tag int
LOOKUP_TABLE default
11 12 13 14
FIELD extra 2
fibers 3 4 double
2 0 0  0 0 0  0 0 0  0 3 0
junk 1 4 int
1 2 3 4
POINT_DATA 5
SCALARS u double 1
LOOKUP_TABLE my_table
0 1 2 3 4
LOOKUP_TABLE my_table 2
0 0 0 1 1 1 1 1
VECTORS v float
0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
";
    let dir = tmp();
    let path = dir.path().join("mixed.vtk");
    write(&path, text.as_bytes());
    let m = io::load(&path).unwrap();
    assert_eq!(m.kind, ElementKind::Tetrahedron);
    assert_eq!(m.element_count(), 2);
    assert_eq!(m.regions, vec![11, 14]);
    assert_eq!(m.fibres, Some(vec![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]));
}

#[test]
fn legacy_vtk_polydata_triangles_are_read() {
    let text = "# vtk DataFile Version 2.0
surface
ASCII
DATASET POLYDATA
POINTS 4 double
0 0 0
1 0 0
0 1 0
1 1 0
POLYGONS 2 8
3 0 1 2
3 1 3 2
CELL_DATA 2
SCALARS region int 1
LOOKUP_TABLE default
5 6
";
    let dir = tmp();
    let path = dir.path().join("s.vtk");
    write(&path, text.as_bytes());
    let m = io::load(&path).unwrap();
    assert_eq!(m.kind, ElementKind::Triangle);
    assert_eq!(m.elements, vec![0, 1, 2, 1, 3, 2]);
    assert_eq!(m.regions, vec![5, 6]);
}

#[test]
fn legacy_vtk_51_offsets_connectivity_layout_is_read() {
    let text = "# vtk DataFile Version 5.1
vtk output
ASCII
DATASET UNSTRUCTURED_GRID
POINTS 4 float
0 0 0 1 0 0 0 1 0 0 0 1
CELLS 2 4
OFFSETS vtktypeint64
0 4
CONNECTIVITY vtktypeint64
0 1 2 3
CELL_TYPES 1
10
";
    let dir = tmp();
    let path = dir.path().join("v51.vtk");
    write(&path, text.as_bytes());
    let m = io::load(&path).unwrap();
    assert_eq!(m.element_count(), 1);
}

/// The same mesh up to the rounding of a unit conversion (mm -> um -> mm).
fn assert_same_mesh_scaled(a: &Mesh, b: &Mesh) {
    let worst = a
        .nodes
        .iter()
        .zip(&b.nodes)
        .flat_map(|(p, q)| (0..3).map(move |d| (p[d] - q[d]).abs()))
        .fold(0.0, f64::max);
    assert!(worst < 1e-9, "coordinates moved by {worst} mm");
    let mut a = a.clone();
    a.nodes = b.nodes.clone();
    assert_same_mesh(&a, b);
}

#[test]
fn opencarp_round_trip_with_fibres_writes_um_and_reads_back_mm() {
    let dir = tmp();
    let base = dir.path().join("heart");
    let m = tet_box(2, 0.7); // mm
    io::save(&m, &base.with_extension("elem")).unwrap();
    for ext in ["pts", "elem", "lon"] {
        assert!(base.with_extension(ext).is_file(), "{ext} written");
    }
    // openCARP's unit is um: the far corner (1.4 mm) is written as 1400.
    let pts = std::fs::read_to_string(base.with_extension("pts")).unwrap();
    let last: Vec<f64> = pts
        .lines()
        .last()
        .unwrap()
        .split_whitespace()
        .map(|t| t.parse().unwrap())
        .collect();
    assert_eq!(last, vec![1400.0; 3], "{pts}");
    // By basename and by either file; read as um (scale 0.001) by default.
    for p in [
        base.clone(),
        base.with_extension("pts"),
        base.with_extension("elem"),
    ] {
        assert_same_mesh_scaled(&m, &io::load(&p).unwrap());
    }
    // An explicit scale wins over the um default.
    let raw = io::load_with(
        &base,
        &LoadOptions {
            scale: Some(1.0),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(raw.nodes.last(), Some(&[1400.0; 3]));
}

#[test]
fn opencarp_basename_with_dots_is_found() {
    let dir = tmp();
    let base = dir.path().join("heart.2mm");
    let m = cube_surface();
    opencarp::write_opencarp(&base, &m, 1000.0).unwrap();
    assert_same_mesh_scaled(&m, &io::load(&base).unwrap());
}

#[test]
fn vtx_node_list_is_read() {
    let dir = tmp();
    let path = dir.path().join("apex.vtx");
    write(&path, b"3\nintra\n4\n7\n9\n");
    assert_eq!(opencarp::read_vtx(&path).unwrap(), vec![4, 7, 9]);
}

fn stl_triangles(m: &Mesh) -> Vec<stl_io::Triangle> {
    m.elements_iter()
        .map(|t| stl_io::Triangle {
            normal: stl_io::Normal::new([0.0, 0.0, 0.0]),
            vertices: [0, 1, 2].map(|k| {
                let p = m.nodes[t[k] as usize];
                stl_io::Vertex::new([p[0] as f32, p[1] as f32, p[2] as f32])
            }),
        })
        .collect()
}

#[test]
fn binary_stl_soup_is_merged_into_a_closed_cube() {
    let m = cube_surface();
    let mut bytes = Vec::new();
    stl_io::write_stl(&mut bytes, stl_triangles(&m).iter()).unwrap();
    let dir = tmp();
    let path = dir.path().join("cube.stl");
    write(&path, &bytes);
    let back = io::load(&path).unwrap();
    assert_eq!(back.node_count(), 8, "duplicates merged");
    assert_eq!(back.element_count(), 12);
    assert_eq!(MeshInfo::compute(&back).boundary_edges, Some(0));
}

#[test]
fn ascii_stl_is_read_and_merged() {
    let m = cube_surface();
    let mut s = String::from("solid cube\n");
    for t in stl_triangles(&m) {
        s.push_str("facet normal 0 0 0\nouter loop\n");
        for v in t.vertices {
            s.push_str(&format!("vertex {} {} {}\n", v.0[0], v.0[1], v.0[2]));
        }
        s.push_str("endloop\nendfacet\n");
    }
    s.push_str("endsolid cube\n");
    let dir = tmp();
    let path = dir.path().join("cube.stl");
    write(&path, s.as_bytes());
    let back = io::load(&path).unwrap();
    assert_eq!((back.node_count(), back.element_count()), (8, 12));
    // Same geometry: every original triangle's coordinates are found.
    for (a, b) in m.elements_iter().zip(back.elements_iter()) {
        for k in 0..3 {
            assert_eq!(m.nodes[a[k] as usize], back.nodes[b[k] as usize]);
        }
    }
}

#[test]
fn obj_quads_are_triangulated() {
    let text = "# cube\nv 0 0 0\nv 2 0 0\nv 0 2 0\nv 2 2 0\nv 0 0 2\nv 2 0 2\nv 0 2 2\nv 2 2 2\n\
f 1 3 4 2\nf 5 6 8 7\nf 1 2 6 5\nf 3 7 8 4\nf 1 5 7 3\nf 2 4 8 6\n";
    let dir = tmp();
    let path = dir.path().join("cube.obj");
    write(&path, text.as_bytes());
    let m = io::load(&path).unwrap();
    assert_eq!((m.node_count(), m.element_count()), (8, 12));
    assert_eq!(MeshInfo::compute(&m).boundary_edges, Some(0));
}

#[test]
fn inside_out_tet_mesh_is_flipped_on_load() {
    let mut m = tet_box(2, 1.0);
    for t in m.elements.chunks_exact_mut(4) {
        t.swap(0, 1);
    }
    let dir = tmp();
    let path = dir.path().join("inv.vtu");
    write_vtu(&path, &m, &[], &[], VtuWriteOptions::default()).unwrap();
    let back = io::load(&path).unwrap();
    assert!((0..back.element_count()).all(|e| element_measure(&back, e) > 0.0));
}

#[test]
fn save_picks_the_writer_from_the_extension() {
    let dir = tmp();
    let m = tet_box(1, 1.0);
    for name in ["a.vtu", "a.vtk"] {
        let p = dir.path().join(name);
        io::save(&m, &p).unwrap();
        assert_same_mesh(&m, &io::load(&p).unwrap());
    }
    let err = io::save(&m, &dir.path().join("a.xyz"))
        .unwrap_err()
        .to_string();
    assert!(err.contains(".vtu") && err.contains("a.xyz"), "{err}");
}

#[test]
fn unknown_extension_lists_supported_formats() {
    let err = io::load(Path::new("/nonexistent/heart.msh"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("heart.msh") && err.contains(".vtu") && err.contains(".stl"),
        "{err}"
    );
}

#[test]
fn extract_regions_keeps_only_chosen_tags_and_unused_nodes_vanish() {
    let m = tet_box(4, 1.0);
    let sub = extract_regions(&m, &[2]);
    assert!(sub.regions.iter().all(|&r| r == 2));
    assert_eq!(
        sub.element_count(),
        m.regions.iter().filter(|&&r| r == 2).count()
    );
    assert_eq!(cardiotwin::mesh::validate::unused_nodes(&sub), 0);
    assert!(sub.node_count() < m.node_count());
    // The sub-mesh is valid as it stands.
    let mut s = sub.clone();
    cardiotwin::mesh::validate::validate(&mut s, Path::new("sub")).unwrap();
    assert_eq!(s, sub);
}

#[test]
fn info_counts_box_boundary_faces_and_edges() {
    let n = 3;
    let m = tet_box(n, 2.0);
    let info = MeshInfo::compute(&m);
    assert_eq!(info.nodes, (n + 1).pow(3));
    assert_eq!(info.elements, 6 * n.pow(3));
    assert_eq!(info.boundary_faces, Some(6 * 2 * n * n));
    assert!((info.edge_min_mm - 2.0).abs() < 1e-12);
    assert!((info.edge_max_mm - 2.0 * 3f64.sqrt()).abs() < 1e-12);
    assert_eq!(
        info.regions.iter().map(|r| r.1).sum::<usize>(),
        info.elements
    );
    assert!(info.has_fibres);
    assert!(info.to_string().contains("boundary faces: 108"));
}

/// Regenerates meshes/rodero01_myocardium_2mm.vtu from the ansys-health-heart
/// 0.16.2 wheel (see meshes/README.md). Run with
/// `RODERO_VTU=/path/to/rodero_01_fullheart_2.0mm.vtu cargo test --test mesh_io -- --ignored regenerate_demo_mesh`.
#[test]
#[ignore]
fn regenerate_demo_mesh() {
    let src = std::env::var("RODERO_VTU").unwrap_or_else(|_| {
        "/tmp/wheel/x/ansys/health/heart/data_examples/rodero_01_fullheart_2.0mm.vtu".into()
    });
    let opts = LoadOptions {
        region_array: Some("_volume-id".into()),
        ..Default::default()
    };
    // Orientation as stored, before validate() fixes an all-inverted mesh.
    let raw = io::vtu::read_vtu(Path::new(&src), &opts).unwrap();
    let negative = (0..raw.element_count())
        .filter(|&e| element_measure(&raw, e) < 0.0)
        .count();
    println!(
        "stored orientation: {negative} of {} tets negative",
        raw.element_count()
    );
    let full = io::load_with(Path::new(&src), &opts).unwrap();
    println!("full heart:\n{}", MeshInfo::compute(&full));
    let myo = extract_regions(&full, &[1, 2, 3, 4, 7]);
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("meshes/rodero01_myocardium_2mm.vtu");
    write_vtu(&out, &myo, &[], &[], VtuWriteOptions { compress: true }).unwrap();
    let back = io::load(&out).unwrap();
    assert_eq!(back, myo);
    println!("myocardium:\n{}", MeshInfo::compute(&back));
    println!("size: {} bytes", std::fs::metadata(&out).unwrap().len());
}

#[test]
fn shipped_demo_mesh_loads_with_documented_counts() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("meshes/rodero01_myocardium_2mm.vtu");
    let m = io::load(&path).unwrap();
    assert_eq!(m.kind, ElementKind::Tetrahedron);
    assert_eq!((m.node_count(), m.element_count()), (68_799, 314_242));
    assert_eq!(m.region_tags(), vec![1, 2, 3, 4, 7]);
    assert_eq!(cardiotwin::mesh::validate::unused_nodes(&m), 0);
    assert!(std::fs::metadata(&path).unwrap().len() < 10_000_000);
}

// ---- Files written by meshio 5.3.5 (tests/data/meshio/make_fixtures.py) ----

fn meshio_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/meshio")
        .join(name)
}

/// The two tetrahedra every VTK fixture holds.
fn assert_meshio_tets(m: &Mesh, what: &str) {
    assert_eq!(m.kind, ElementKind::Tetrahedron, "{what}");
    assert_eq!(m.node_count(), 5, "{what}");
    assert_eq!(m.elements, vec![0, 1, 2, 3, 1, 2, 3, 4], "{what}");
    assert_eq!(
        m.regions,
        vec![1, 2],
        "{what}: region tags from the FIELD array"
    );
    assert_eq!(m.nodes[4], [10.0, 10.0, 10.0], "{what}");
}

#[test]
fn meshio_vtk51_ascii_binary_and_int32_ids_load() {
    for name in ["tets_ascii.vtk", "tets_binary.vtk", "tets_int32_ids.vtk"] {
        let m = io::load(&meshio_fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_meshio_tets(&m, name);
    }
    let s = io::load(&meshio_fixture("surface_ascii.vtk")).unwrap();
    assert_eq!(s.kind, ElementKind::Triangle);
    assert_eq!(s.element_count(), 4);
}

#[test]
fn meshio_stl_with_a_bare_solid_header_loads_like_the_binary_one() {
    let ascii = io::load(&meshio_fixture("surface_ascii.stl")).unwrap();
    let binary = io::load(&meshio_fixture("surface_binary.stl")).unwrap();
    assert_eq!(ascii.kind, ElementKind::Triangle);
    assert_eq!(ascii.element_count(), 4);
    assert_eq!(ascii.node_count(), 4, "shared vertices are merged");
    assert_eq!(ascii, binary);
}

#[test]
fn indented_ascii_stl_and_binary_stl_whose_header_says_solid_both_load() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(meshio_fixture("surface_ascii.stl")).unwrap();
    let indented = dir.path().join("indented.stl");
    std::fs::write(&indented, format!("  \n  {text}")).unwrap();
    let reference = io::load(&meshio_fixture("surface_binary.stl")).unwrap();
    assert_eq!(io::load(&indented).unwrap(), reference);

    // Several CAD exporters begin the 80-byte binary header with "solid".
    let mut bytes = std::fs::read(meshio_fixture("surface_binary.stl")).unwrap();
    bytes[..11].copy_from_slice(b"solid part1");
    let solid_binary = dir.path().join("solid_header.stl");
    std::fs::write(&solid_binary, &bytes).unwrap();
    assert_eq!(io::load(&solid_binary).unwrap(), reference);
}

//! Malformed inputs across formats: each must give a typed error that names
//! the file and the line/record/element, never a panic.

use cardiotwin::mesh::io::{self, opencarp};
use cardiotwin::Error;
use std::path::{Path, PathBuf};

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn fixture(name: &str, bytes: &[u8]) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write fixture");
    Fixture { _dir: dir, path }
}

/// Which variant we expect.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Parse,
    Invalid,
}

/// Load, expect an error of `kind` whose message names the file and
/// contains every `needles` entry; returns the message.
fn expect_error(path: &Path, kind: Kind, needles: &[&str]) -> String {
    let err = match io::load(path) {
        Ok(m) => panic!(
            "{} loaded ({} elements) but should fail",
            path.display(),
            m.element_count()
        ),
        Err(e) => e,
    };
    let ok_kind = matches!(
        (&err, kind),
        (Error::Parse { .. }, Kind::Parse) | (Error::InvalidMesh { .. }, Kind::Invalid)
    );
    let msg = err.to_string();
    assert!(ok_kind, "expected {kind:?}, got {err:?}");
    let file = path.file_name().unwrap().to_string_lossy();
    assert!(
        msg.contains(&*file),
        "message does not name the file: {msg}"
    );
    for n in needles {
        assert!(msg.contains(n), "message lacks '{n}': {msg}");
    }
    msg
}

const TET_VTK_HEAD: &str = "# vtk DataFile Version 3.0\nt\nASCII\nDATASET UNSTRUCTURED_GRID\n";

#[test]
fn truncated_ascii_vtk_points_report_how_many_values_were_found() {
    let f = fixture(
        "trunc.vtk",
        format!("{TET_VTK_HEAD}POINTS 4 float\n0 0 0\n1 0 0\n0 1").as_bytes(),
    );
    expect_error(
        &f.path,
        Kind::Parse,
        &["truncated", "expected 12 point values", "after 8", "line 8"],
    );
}

#[test]
fn non_numeric_vtk_coordinate_names_its_line_and_point() {
    let f = fixture(
        "nan_tok.vtk",
        format!("{TET_VTK_HEAD}POINTS 2 float\n0 0 0\n1 x 0\n").as_bytes(),
    );
    expect_error(&f.path, Kind::Parse, &["line 7", "point 1", "'x'"]);
}

#[test]
fn vtk_cell_count_mismatch_between_cells_and_types_is_reported() {
    let text = format!("{TET_VTK_HEAD}POINTS 4 float\n0 0 0 1 0 0 0 1 0 0 0 1\nCELLS 1 5\n4 0 1 2 3\nCELL_TYPES 2\n10\n10\n");
    let f = fixture("count.vtk", text.as_bytes());
    expect_error(
        &f.path,
        Kind::Parse,
        &["CELL_TYPES", "2 cell types for 1 cells"],
    );
}

#[test]
fn vtk_out_of_range_index_names_element_and_index() {
    let text = format!("{TET_VTK_HEAD}POINTS 4 float\n0 0 0 1 0 0 0 1 0 0 0 1\nCELLS 1 5\n4 0 1 2 7\nCELL_TYPES 1\n10\n");
    let f = fixture("range.vtk", text.as_bytes());
    expect_error(&f.path, Kind::Invalid, &["element 0", "node 7", "4 nodes"]);
}

#[test]
fn vtk_nan_coordinate_names_the_node() {
    let text = format!("{TET_VTK_HEAD}POINTS 4 double\n0 0 0 1 0 0 0 nan 0 0 0 1\nCELLS 1 5\n4 0 1 2 3\nCELL_TYPES 1\n10\n");
    let f = fixture("nan.vtk", text.as_bytes());
    expect_error(&f.path, Kind::Invalid, &["node 2", "non-finite"]);
}

#[test]
fn zero_volume_tet_is_reported_with_its_index() {
    // Second tet is flat (all four nodes in z = 0).
    let text = format!(
        "{TET_VTK_HEAD}POINTS 5 double\n0 0 0 1 0 0 0 1 0 0 0 1 1 1 0\nCELLS 2 10\n4 0 1 2 3\n4 0 1 2 4\nCELL_TYPES 2\n10\n10\n"
    );
    let f = fixture("flat.vtk", text.as_bytes());
    expect_error(&f.path, Kind::Invalid, &["element 1", "degenerate"]);
}

#[test]
fn mixed_inverted_tets_name_the_first_minority_element_and_count() {
    // Three positive tets and one inverted (element 2).
    let text = format!(
        "{TET_VTK_HEAD}POINTS 4 double\n0 0 0 1 0 0 0 1 0 0 0 1\nCELLS 4 20\n4 0 1 2 3\n4 0 1 2 3\n4 0 2 1 3\n4 0 1 2 3\nCELL_TYPES 4\n10\n10\n10\n10\n"
    );
    let f = fixture("mixed.vtk", text.as_bytes());
    expect_error(
        &f.path,
        Kind::Invalid,
        &["element 2", "1 with negative volume", "mixed"],
    );
}

#[test]
fn unsupported_cell_type_names_the_cell_and_type() {
    let text = format!(
        "{TET_VTK_HEAD}POINTS 8 float\n0 0 0 1 0 0 1 1 0 0 1 0 0 0 1 1 0 1 1 1 1 0 1 1\nCELLS 1 9\n8 0 1 2 3 4 5 6 7\nCELL_TYPES 1\n12\n"
    );
    let f = fixture("hex.vtk", text.as_bytes());
    expect_error(&f.path, Kind::Parse, &["cell 0", "type 12", "hexahedron"]);
}

#[test]
fn polygon_with_four_vertices_names_its_line() {
    let text = "# vtk DataFile Version 3.0\ns\nASCII\nDATASET POLYDATA\nPOINTS 4 float\n0 0 0 1 0 0 1 1 0 0 1 0\nPOLYGONS 2 9\n3 0 1 2\n4 0 1 2 3\n";
    let f = fixture("quad.vtk", text.as_bytes());
    expect_error(&f.path, Kind::Parse, &["line 9", "4 vertices"]);
}

#[test]
fn truncated_binary_vtk_names_the_section() {
    let mut bytes =
        b"# vtk DataFile Version 3.0\nt\nBINARY\nDATASET UNSTRUCTURED_GRID\nPOINTS 4 float\n"
            .to_vec();
    bytes.extend_from_slice(&[0u8; 20]); // 5 of 12 floats
    let f = fixture("trunc_bin.vtk", &bytes);
    expect_error(
        &f.path,
        Kind::Parse,
        &["section POINTS", "truncated", "after 5"],
    );
}

#[test]
fn truncated_binary_stl_reports_declared_and_found_triangles() {
    let mut bytes = vec![0u8; 80];
    bytes.extend_from_slice(&10u32.to_le_bytes());
    bytes.extend_from_slice(&[0u8; 50 * 3 + 7]);
    let f = fixture("cut.stl", &bytes);
    expect_error(
        &f.path,
        Kind::Parse,
        &["record 3", "10 triangles", "holds 3"],
    );
}

#[test]
fn ascii_stl_with_bad_vertex_names_the_facet() {
    let text = "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\n\
facet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 zero 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid x\n";
    let f = fixture("bad.stl", text.as_bytes());
    expect_error(&f.path, Kind::Parse, &["facet"]);
}

#[test]
fn obj_without_faces_is_an_error() {
    let f = fixture("empty.obj", b"v 0 0 0\nv 1 0 0\nv 0 1 0\n");
    expect_error(&f.path, Kind::Invalid, &["no faces"]);
}

#[test]
fn obj_face_with_bad_index_names_its_line() {
    let f = fixture("badf.obj", b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n");
    expect_error(&f.path, Kind::Parse, &["line 4"]);
}

#[test]
fn opencarp_bad_element_type_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("m");
    std::fs::write(
        base.with_extension("pts"),
        "4\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n",
    )
    .unwrap();
    std::fs::write(
        base.with_extension("elem"),
        "2\nTt 0 1 2 3 1\nHx 0 1 2 3 4 5 6 7 1\n",
    )
    .unwrap();
    let msg = expect_error(
        &base.with_extension("elem"),
        Kind::Parse,
        &["line 3", "Hx", "element 1"],
    );
    assert!(msg.contains("m.elem"), "{msg}");
}

#[test]
fn opencarp_truncated_pts_reports_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("m");
    std::fs::write(base.with_extension("pts"), "5\n0 0 0\n1 0 0\n0 1 0\n").unwrap();
    std::fs::write(base.with_extension("elem"), "1\nTr 0 1 2 1\n").unwrap();
    let msg = expect_error(
        &base,
        Kind::Parse,
        &["truncated", "5 points", "after 3", "line 4"],
    );
    assert!(msg.contains("m.pts"), "{msg}");
}

#[test]
fn opencarp_lon_with_wrong_count_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("m");
    std::fs::write(base.with_extension("pts"), "3\n0 0 0\n1 0 0\n0 1 0\n").unwrap();
    std::fs::write(base.with_extension("elem"), "1\nTr 0 1 2 1\n").unwrap();
    std::fs::write(base.with_extension("lon"), "1\n1 0 0\n0 1 0\n").unwrap();
    let msg = expect_error(&base, Kind::Parse, &["2 fibre lines for 1 elements"]);
    assert!(msg.contains("m.lon"), "{msg}");
}

#[test]
fn vtx_with_wrong_count_is_reported() {
    let f = fixture("s.vtx", b"3\nintra\n1\n2\n");
    let err = opencarp::read_vtx(&f.path).unwrap_err().to_string();
    assert!(err.contains("s.vtx") && err.contains("3 nodes"), "{err}");
}

fn vtu(body: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<VTKFile type="UnstructuredGrid" version="1.0" byte_order="LittleEndian" header_type="UInt64">
<UnstructuredGrid>
<Piece NumberOfPoints="4" NumberOfCells="1">
{body}
</Piece>
</UnstructuredGrid>
</VTKFile>
"#
    )
}

const VTU_POINTS: &str = r#"<Points><DataArray type="Float64" NumberOfComponents="3" format="ascii">0 0 0 1 0 0 0 1 0 0 0 1</DataArray></Points>"#;

#[test]
fn vtu_with_bad_base64_names_the_data_array_and_line() {
    let body = format!(
        r#"{VTU_POINTS}
<Cells>
<DataArray type="Int64" Name="connectivity" format="binary">!!!notbase64!!!</DataArray>
<DataArray type="Int64" Name="offsets" format="ascii">4</DataArray>
<DataArray type="UInt8" Name="types" format="ascii">10</DataArray>
</Cells>"#
    );
    let f = fixture("b64.vtu", vtu(&body).as_bytes());
    expect_error(&f.path, Kind::Parse, &["line 7", "connectivity", "base64"]);
}

#[test]
fn vtu_missing_types_array_is_reported() {
    let body = format!(
        r#"{VTU_POINTS}
<Cells>
<DataArray type="Int64" Name="connectivity" format="ascii">0 1 2 3</DataArray>
<DataArray type="Int64" Name="offsets" format="ascii">4</DataArray>
</Cells>"#
    );
    let f = fixture("notypes.vtu", vtu(&body).as_bytes());
    expect_error(&f.path, Kind::Parse, &["missing DataArray", "'types'"]);
}

#[test]
fn vtu_points_with_wrong_count_name_the_array() {
    let body = r#"<Points><DataArray type="Float32" Name="Points" NumberOfComponents="3" format="ascii">0 0 0 1 0 0 0 1 0</DataArray></Points>
<Cells>
<DataArray type="Int64" Name="connectivity" format="ascii">0 1 2 3</DataArray>
<DataArray type="Int64" Name="offsets" format="ascii">4</DataArray>
<DataArray type="UInt8" Name="types" format="ascii">10</DataArray>
</Cells>"#;
    let f = fixture("count.vtu", vtu(body).as_bytes());
    expect_error(
        &f.path,
        Kind::Parse,
        &["line 5", "'Points'", "9 values, expected 12"],
    );
}

#[test]
fn vtu_non_numeric_ascii_value_names_its_line() {
    let body = r#"<Points><DataArray type="Float32" Name="Points" NumberOfComponents="3" format="ascii">
0 0 0
1 0 0
0 one 0
0 0 1</DataArray></Points>"#;
    let f = fixture("word.vtu", vtu(body).as_bytes());
    expect_error(&f.path, Kind::Parse, &["line 8", "'one'"]);
}

#[test]
fn vtu_truncated_xml_is_a_parse_error() {
    let text = vtu(VTU_POINTS);
    let f = fixture("cut.vtu", &text.as_bytes()[..text.len() / 2]);
    expect_error(&f.path, Kind::Parse, &[]);
}

#[test]
fn vtu_missing_region_array_lists_available_arrays() {
    let body = format!(
        r#"<CellData><DataArray type="Int32" Name="elemTag" format="ascii">3</DataArray></CellData>
{VTU_POINTS}
<Cells>
<DataArray type="Int64" Name="connectivity" format="ascii">0 1 2 3</DataArray>
<DataArray type="Int64" Name="offsets" format="ascii">4</DataArray>
<DataArray type="UInt8" Name="types" format="ascii">10</DataArray>
</Cells>"#
    );
    let f = fixture("noreg.vtu", vtu(&body).as_bytes());
    let opts = io::LoadOptions {
        region_array: Some("_volume-id".into()),
        ..Default::default()
    };
    let msg = io::load_with(&f.path, &opts).unwrap_err().to_string();
    assert!(
        msg.contains("noreg.vtu") && msg.contains("_volume-id") && msg.contains("elemTag"),
        "{msg}"
    );
}

#[test]
fn non_integral_region_value_names_the_cell() {
    let body = format!(
        r#"<CellData><DataArray type="Float64" Name="region" format="ascii">2.5</DataArray></CellData>
{VTU_POINTS}
<Cells>
<DataArray type="Int64" Name="connectivity" format="ascii">0 1 2 3</DataArray>
<DataArray type="Int64" Name="offsets" format="ascii">4</DataArray>
<DataArray type="UInt8" Name="types" format="ascii">10</DataArray>
</Cells>"#
    );
    let f = fixture("frac.vtu", vtu(&body).as_bytes());
    expect_error(&f.path, Kind::Parse, &["cell 0", "2.5", "integer"]);
}

#[test]
fn mesh_with_only_vertices_and_lines_is_rejected() {
    let text = format!(
        "{TET_VTK_HEAD}POINTS 2 float\n0 0 0 1 0 0\nCELLS 2 5\n1 0\n2 0 1\nCELL_TYPES 2\n1\n3\n"
    );
    let f = fixture("lines.vtk", text.as_bytes());
    expect_error(
        &f.path,
        Kind::Invalid,
        &["no triangle (5) or tetrahedron (10)"],
    );
}

#[test]
fn garbage_files_never_panic() {
    // Arbitrary bytes under every extension: an error, not a panic.
    let junk: Vec<u8> = (0..2000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    for ext in ["vtk", "vtu", "stl", "obj", "pts"] {
        for len in [0, 1, 10, 90, 500, 2000] {
            let f = fixture(&format!("junk.{ext}"), &junk[..len]);
            assert!(
                io::load(&f.path).is_err(),
                "junk.{ext} ({len} bytes) loaded"
            );
        }
    }
}

//! Every shaders/*.wgsl parses and validates with naga (no GPU needed), and
//! the uniform structs the host writes have the layout the shaders read.

use std::mem::{offset_of, size_of};
use std::path::PathBuf;

use cardiotwin::solver::gpu::layout::{Params, StepSlot};

fn shader_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("shaders")
}

fn wgsl_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(shader_dir())
        .expect("shaders/ directory is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "wgsl"))
        .collect();
    files.sort();
    files
}

fn parse(path: &std::path::Path) -> naga::Module {
    let source = std::fs::read_to_string(path).expect("shader is readable");
    let module = naga::front::wgsl::parse_str(&source).unwrap_or_else(|e| {
        panic!(
            "{}",
            e.emit_to_string_with_path(&source, &path.display().to_string())
        )
    });
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::default(),
    )
    .validate(&module)
    .unwrap_or_else(|e| {
        panic!(
            "{}",
            e.emit_to_string_with_path(&source, &path.display().to_string())
        )
    });
    module
}

#[test]
fn every_wgsl_shader_parses_and_validates() {
    let files = wgsl_files();
    for name in ["step.wgsl", "probe.wgsl"] {
        assert!(
            files
                .iter()
                .any(|f| f.file_name().is_some_and(|n| n == name)),
            "shaders/{name} is missing"
        );
    }
    for f in &files {
        parse(f);
    }
}

/// (field name, byte offset) of the struct behind global `var_name`, and its size.
fn struct_layout(module: &naga::Module, var_name: &str) -> (Vec<(String, u32)>, u32) {
    let var = module
        .global_variables
        .iter()
        .map(|(_, v)| v)
        .find(|v| v.name.as_deref() == Some(var_name))
        .unwrap_or_else(|| panic!("no global `{var_name}`"));
    match &module.types[var.ty].inner {
        naga::TypeInner::Struct { members, span } => (
            members
                .iter()
                .map(|m| (m.name.clone().unwrap_or_default(), m.offset))
                .collect(),
            *span,
        ),
        other => panic!("`{var_name}` is not a struct: {other:?}"),
    }
}

fn assert_matches_host(shader: &str, var: &str, host: &[(&str, usize)], host_size: usize) {
    let module = parse(&shader_dir().join(shader));
    let (members, size) = struct_layout(&module, var);
    assert_eq!(
        size as usize, host_size,
        "{shader}: size of `{var}` differs from the host struct"
    );
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    let host_names: Vec<&str> = host.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names, host_names,
        "{shader}: fields of `{var}` differ from the host struct"
    );
    for ((name, offset), (_, host_offset)) in members.iter().zip(host) {
        assert_eq!(
            *offset as usize, *host_offset,
            "{shader}: offset of `{var}.{name}`"
        );
    }
}

macro_rules! fields {
    ($t:ty: $($f:ident),*) => { &[$((stringify!($f), offset_of!($t, $f))),*] };
}

#[test]
fn params_uniform_has_the_same_layout_in_rust_and_every_shader() {
    let host = fields!(Params: n, dt, lat_threshold, repol_threshold, k, a, eps0, mu1, mu2, inv_t, n_stimuli, n_probes, runaway_min, runaway_max, _pad0, _pad1, stim_rate);
    for shader in ["step.wgsl", "probe.wgsl"] {
        assert_matches_host(shader, "params", host, size_of::<Params>());
    }
}

#[test]
fn step_slot_uniform_has_the_same_layout_in_rust_and_every_shader() {
    let host = fields!(StepSlot: k, stim_on, t, sample);
    for shader in ["step.wgsl", "probe.wgsl"] {
        assert_matches_host(shader, "slot", host, size_of::<StepSlot>());
    }
}

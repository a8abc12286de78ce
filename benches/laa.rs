//! Criterion benchmark of LAA occlusion planning for one patient: build the
//! surface, measure the appendage, size every catalog family (what
//! `cardiotwin laa size --device all` does after loading), on a shipped
//! synthetic atrium found from its region tags and, tags stripped, by
//! detection. The issue asks for well under a second on the CPU. Set
//! CARDIOTWIN_BENCH_QUICK=1 for a short run.

use cardiotwin::laao::catalog::Catalog;
use cardiotwin::laao::measure::{measure_on, MeasureOptions};
use cardiotwin::laao::section::Surface;
use cardiotwin::laao::sizing::size_patient_on;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;

fn plan(c: &mut Criterion) {
    let quick = std::env::var_os("CARDIOTWIN_BENCH_QUICK").is_some();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/laa/windsock.vtu");
    let tagged = cardiotwin::mesh::io::load(&path).expect("shipped mesh");
    let mut untagged = tagged.clone();
    untagged.regions.iter_mut().for_each(|r| *r = 0);
    let cat = Catalog::load_default().expect("shipped catalog");
    let families: Vec<_> = cat.families.iter().collect();
    let mut group = c.benchmark_group("laa_plan");
    group.throughput(Throughput::Elements(tagged.element_count() as u64));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(if quick { 2 } else { 10 }))
        .warm_up_time(Duration::from_millis(if quick { 200 } else { 1000 }));
    for (name, mesh) in [
        ("windsock_tagged", &tagged),
        ("windsock_detected", &untagged),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let s = Surface::from_mesh(mesh).expect("surface");
                let m = measure_on(&s, &MeasureOptions::default()).expect("measured");
                size_patient_on(&s, &m, &cat, &families)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, plan);
criterion_main!(benches);

//! Micro-benchmarks (criterion), part of `bench/run`: the SRP computation of a sign-in, and
//! reading and patching the generated 10 MB collection. Under `cargo test --all-targets` each
//! runs once, as a smoke test.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};
use postman_cognito::cognito::srp::{Challenge, SrpSession};
use postman_cognito::collection::export as collection;
use postman_cognito::collection::{Policy, TokenAuth as RootAuth, keep::KeepSet};

/// The generated 10 MB input of bench/run (made here with the same generator when missing).
fn input_10mb() -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("bench/out/input-10MB.json");
    if !path.exists() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        // Made under a name of this process's own, then renamed: nextest lists the benchmarks
        // in more than one process at once, and none may read the file half written.
        let part = path.with_extension(format!("json.{}.part", std::process::id()));
        let status = Command::new("python3")
            .arg(root.join("bench/generate.py"))
            .arg(&part)
            .arg((10 * 1048576).to_string())
            // Standard output is the benchmark list's (cargo-nextest reads it).
            .stdout(std::io::stderr())
            .status()
            .expect("python3 runs bench/generate.py");
        assert!(status.success(), "bench/generate.py failed");
        std::fs::rename(&part, &path).unwrap();
    }
    std::fs::read(&path).unwrap()
}

fn srp(c: &mut Criterion) {
    // Any B that is not 0 mod N costs the same; this one is 383 bytes of a fixed pattern.
    let b_hex: String = (0..383u32)
        .map(|i| format!("{:02x}", (i * 37 + 11) % 251))
        .collect();
    let challenge = Challenge {
        user_id_for_srp: "a1b2c3d4-0000-4000-8000-000000000001",
        salt_hex: "3f1c2a9d8e7b6a5f4e3d2c1b0a998877",
        srp_b_hex: &b_hex,
        secret_block: "c2VjcmV0LWJsb2Nr",
    };
    c.bench_function("srp: A, then the password claim signature", |bench| {
        bench.iter(|| {
            let session = SrpSession::new().unwrap();
            black_box(session.srp_a());
            let sig = session
                .signature(
                    "AbCdEfGhI",
                    &challenge,
                    black_box("correct horse battery staple"),
                    "Sun Nov 29 06:00:00 UTC 2026",
                )
                .unwrap();
            black_box(sig)
        })
    });
}

fn patch(c: &mut Criterion) {
    let src = input_10mb();
    let want = RootAuth {
        token: "eyJhbGciOiJSUzI1NiJ9.eyJ0b2tlbl91c2UiOiJpZCJ9.c2ln",
        header_prefix: None,
        extra: &[],
    };
    let keep = KeepSet::new();
    let mut group = c.benchmark_group("10 MB collection");
    group.sample_size(10);
    group.bench_function("read (scan and check)", |bench| {
        bench.iter(|| black_box(collection::read(black_box(&src)).unwrap().version))
    });
    let coll = collection::read(&src).unwrap();
    group.bench_function("plan the edits", |bench| {
        bench.iter(|| {
            let planned = collection::plan(&src, &coll, &want, Policy::Tokens, &keep).unwrap();
            black_box(planned.edits.len())
        })
    });
    group.bench_function("patch (plan, apply, check the result)", |bench| {
        bench.iter(|| {
            let patched = collection::patch(&src, &coll, &want, Policy::Tokens, &keep).unwrap();
            black_box(patched.bytes.len())
        })
    });
    group.finish();
}

criterion_group!(benches, srp, patch);
criterion_main!(benches);

//! Compiles `proto/tocsin/v1/*.proto` with the vendored protoc, so a fresh
//! machine needs no system protoc (`PROTOC` still wins when set).

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = match std::env::var_os("PROTOC") {
        Some(path) => PathBuf::from(path),
        None => protoc_bin_vendored::protoc_bin_path()?,
    };
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let protos = [
        "proto/tocsin/v1/node.proto",
        "proto/tocsin/v1/federation.proto",
        "proto/tocsin/v1/warnings.proto",
        "proto/tocsin/v1/subscriptions.proto",
        "proto/tocsin/v1/audit.proto",
    ];
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc);
    tonic_prost_build::configure()
        .file_descriptor_set_path(out_dir.join("tocsin_descriptor.bin"))
        .compile_with_config(config, &protos, &["proto"])?;
    for proto in protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    Ok(())
}

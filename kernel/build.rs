//! Hands the linker script of the target architecture to the linker.
fn main() {
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let script = format!("{dir}/src/arch/{arch}/linker.ld");
    if std::path::Path::new(&script).exists() {
        println!("cargo:rustc-link-arg=-T{script}");
        println!("cargo:rerun-if-changed={script}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

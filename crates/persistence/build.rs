//! Embeds every migration of the one `migrations/` folder with `include_str!`: its shared
//! file, or its file per backend, from which the program takes its backend's text when it
//! migrates (`src/migrations/mod.rs`). A folder that breaks the rules (`src/migrations/scan.rs`)
//! fails the build with a message naming it.

#[path = "src/migrations/scan.rs"]
mod scan;

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env("OUT_DIR"));
    let root = manifest.join("../../migrations");
    // The folder itself, so that a new migration folder is noticed.
    println!("cargo:rerun-if-changed=../../migrations");
    let root = match root.canonicalize() {
        Ok(root) => root,
        Err(e) => fail(&format!("{}: {e}", root.display())),
    };
    let found = scan::scan(&root).unwrap_or_else(|message| fail(&message));
    for migration in &found {
        println!(
            "cargo:rerun-if-changed={}",
            root.join(&migration.name).display()
        );
        for path in migration.paths() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    let generated = out.join("migrations.rs");
    if let Err(e) = std::fs::write(&generated, scan::generate(&found)) {
        fail(&format!("{}: {e}", generated.display()));
    }
}

fn env(name: &str) -> std::ffi::OsString {
    std::env::var_os(name).unwrap_or_else(|| fail(&format!("cargo did not set {name}")))
}

fn fail(message: &str) -> ! {
    eprintln!("error: migrations: {message}");
    std::process::exit(1);
}

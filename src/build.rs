//! Build script: pin the libpython the binary loads at run time, compile
//! the bootstrap, and generate the seccomp filter.
//!
//! pyo3 links `-lpython3.X` but sets no rpath, and Debian ships a second
//! libpython3.11 with the same soname under /usr/lib. Without an rpath the
//! loader silently picks Debian's copy (another stdlib, another prefix). We
//! record the build interpreter's LIBDIR as DT_RPATH (not RUNPATH, so that
//! `LD_LIBRARY_PATH` in the agent's environment cannot redirect it).

// The syscall table and the rules built from it, included as they are: the
// filter the binary embeds comes from the same source as everything else
// that reads the table (`child::filter` tests that it still does).
#[allow(dead_code)]
#[path = "backstop/table.rs"]
pub mod table;
/// So that the included rules find the table where the crate keeps it.
mod backstop {
    pub use super::table;
}
#[path = "child/filter_rules.rs"]
mod filter_rules;

/// Exports the child's seccomp filter as classic BPF to
/// `$OUT_DIR/filter.bpf`, which `child::filter` embeds: building it with
/// libseccomp at run time cost milliseconds of every start-up.
fn export_filter() {
    println!("cargo:rerun-if-changed=src/backstop/table.rs");
    println!("cargo:rerun-if-changed=src/child/filter_rules.rs");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    assert!(
        arch == "x86_64" && cfg!(target_arch = "x86_64"),
        "irongate's syscall table is x86_64's: build on and for x86_64 (target {arch})"
    );
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let ctx = filter_rules::build()
        .unwrap_or_else(|(step, e)| panic!("seccomp filter: {step}: {e} (libseccomp 2.5+ needed)"));
    let dest = out.join("filter.bpf");
    let file = std::fs::File::create(&dest)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dest.display()));
    ctx.export_bpf(&file)
        .unwrap_or_else(|e| panic!("seccomp filter: export: {e}"));
    drop(file);
    let prog = std::fs::read(&dest).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
    assert!(
        filter_rules::well_formed(&prog),
        "libseccomp exported a malformed program ({} bytes)",
        prog.len()
    );
}

/// The bootstrap modules: (module name, file).
const BOOTSTRAP: &[(&str, &str)] = &[
    ("irongate._boot", "bootstrap/irongate/_boot.py"),
    ("irongate", "bootstrap/irongate/__init__.py"),
    ("irongate._enrich", "bootstrap/irongate/_enrich.py"),
    ("irongate._frameworks", "bootstrap/irongate/_frameworks.py"),
    ("agentshield", "bootstrap/agentshield/__init__.py"),
];

/// Compiles the bootstrap package to code objects (marshal) with the
/// interpreter the binary embeds, so the agent's start-up does not pay for
/// compiling it (several ms) on every run. The file name recorded in each
/// code object is `<irongate:MODULE>`, which the hook recognises.
fn precompile_bootstrap(python: &str) {
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let script = "import marshal, sys\n\
        src = open(sys.argv[1], encoding='utf-8').read()\n\
        code = compile(src, sys.argv[2], 'exec', dont_inherit=True)\n\
        open(sys.argv[3], 'wb').write(marshal.dumps(code))\n";
    for (name, file) in BOOTSTRAP {
        println!("cargo:rerun-if-changed={file}");
        let dest = out.join(format!("{name}.marshal"));
        let status = std::process::Command::new(python)
            .args(["-I", "-c", script, file, &format!("<irongate:{name}>")])
            .arg(&dest)
            .status()
            .unwrap_or_else(|e| panic!("cannot run {python} to compile {file}: {e}"));
        assert!(status.success(), "{python} could not compile {file}");
    }
}

fn main() {
    println!("cargo:rerun-if-changed=src/build.rs");
    export_filter();
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
    let config = pyo3_build_config::get();
    if let Some(lib_dir) = config.lib_dir() {
        println!("cargo:rustc-link-arg=-Wl,--disable-new-dtags");
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib_dir}");
        println!("cargo:rustc-env=IRONGATE_BUILD_LIBDIR={lib_dir}");
    }
    if let Some(exe) = config.executable() {
        println!("cargo:rustc-env=IRONGATE_BUILD_PYTHON={exe}");
        precompile_bootstrap(exe);
    }
    let v = config.version();
    let version = format!("{}.{}", v.major, v.minor);
    println!("cargo:rustc-env=IRONGATE_BUILD_PYVERSION={version}");
}

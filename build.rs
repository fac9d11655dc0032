//! Build script: pin the libpython the binary loads at run time.
//!
//! pyo3 links `-lpython3.X` but sets no rpath, and Debian ships a second
//! libpython3.11 with the same soname under /usr/lib. Without an rpath the
//! loader silently picks Debian's copy (another stdlib, another prefix). We
//! record the build interpreter's LIBDIR as DT_RPATH (not RUNPATH, so that
//! `LD_LIBRARY_PATH` in the agent's environment cannot redirect it).

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

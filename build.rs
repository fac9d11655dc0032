//! Build script: pin the libpython the binary loads at run time.
//!
//! pyo3 links `-lpython3.X` but sets no rpath, and Debian ships a second
//! libpython3.11 with the same soname under /usr/lib. Without an rpath the
//! loader silently picks Debian's copy (another stdlib, another prefix). We
//! record the build interpreter's LIBDIR as DT_RPATH (not RUNPATH, so that
//! `LD_LIBRARY_PATH` in the agent's environment cannot redirect it).

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
    }
    let v = config.version();
    let version = format!("{}.{}", v.major, v.minor);
    println!("cargo:rustc-env=IRONGATE_BUILD_PYVERSION={version}");
}

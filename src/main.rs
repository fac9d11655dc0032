//! The `irongate` binary. Started as `<run dir>/bin/python` it is the
//! launcher through which the agent's Python children re-enter the run.

fn main() {
    let mut args = std::env::args_os();
    let argv0 = std::path::PathBuf::from(args.next().unwrap_or_default());
    if let Some(spec) = std::env::args().nth(2)
        && std::env::args().nth(1).as_deref() == Some(irongate::child::ISOLATED_ARG)
    {
        irongate::child::isolated_main(&spec);
    }
    if irongate::child::is_launcher(&argv0) {
        let rest = args.map(|a| a.to_string_lossy().into_owned()).collect();
        irongate::child::launcher_main(&argv0, rest);
    }
    std::process::exit(irongate::cli::main());
}

fn main() {
    std::process::exit(irongate::cli::main());
}

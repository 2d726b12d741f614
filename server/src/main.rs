//! `tocsin-node`: runs one organisation's Tocsin node.

fn main() -> std::process::ExitCode {
    tocsin_server::cli::main()
}

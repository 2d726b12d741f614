//! `tocsin`: the command-line client of a Tocsin node.

fn main() -> std::process::ExitCode {
    tocsin_client::cli::main()
}

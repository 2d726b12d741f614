//! The `tocsin` command, built inside the test crate so that tests can run it
//! as a real process (cargo builds a package's own binaries for its
//! integration tests, not those of other packages).

fn main() -> std::process::ExitCode {
    tocsin_client::cli::main()
}

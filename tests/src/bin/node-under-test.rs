//! The `tocsin-node` command, built inside the test crate so that tests can
//! run it as a real process (cargo builds a package's own binaries for its
//! integration tests, not those of other packages).

/// The node's allocator (the store makes many small allocations per
/// statement; the system allocator spent a quarter of the CPU on them).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tocsin_server::cli::main()
}

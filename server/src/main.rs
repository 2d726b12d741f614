//! `tocsin-node`: runs one organisation's Tocsin node.

/// The node's allocator (the store makes many small allocations per
/// statement; the system allocator spent a quarter of the CPU on them).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tocsin_server::cli::main()
}

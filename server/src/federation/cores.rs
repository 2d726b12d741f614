//! Work that only reads, split across the cores this process may use:
//! checking a batch of deliveries, verifying the inbox read whole. The
//! parts run at once on scoped threads; the results keep the items' order.

use std::num::NonZero;
use std::sync::OnceLock;

/// `each_part` applied to `items` in parts, one per core, at once when
/// there are at least `spread_from` items (shorter runs, such as a warning
/// on its own, on this thread without the hand-over); the results joined
/// in order.
pub(super) fn in_parts<T: Sync, R: Send>(
    items: &[T],
    spread_from: usize,
    each_part: impl Fn(&[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let threads = cores();
    if items.len() < spread_from.max(2) || threads < 2 {
        return each_part(items);
    }
    let per_thread = items.len().div_ceil(threads);
    let each_part = &each_part;
    std::thread::scope(|scope| {
        let mut parts = items.chunks(per_thread);
        let first = parts.next().unwrap_or_default();
        let others: Vec<_> = parts.map(|part| scope.spawn(move || each_part(part))).collect();
        let mut results = each_part(first);
        for other in others {
            match other.join() {
                Ok(part) => results.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        results
    })
}

/// The cores this process may use, read once.
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, NonZero::get))
}

#[cfg(test)]
mod tests {
    use super::in_parts;

    #[test]
    fn parts_are_joined_in_the_order_of_the_items() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = in_parts(&items, 16, |part| part.iter().map(|i| i * 2).collect());
        assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        let few = in_parts(&items[..3], 16, |part| vec![part.len()]);
        assert_eq!(few, [3], "below the threshold, one part");
        assert!(in_parts(&[] as &[u32], 0, |part| part.to_vec()).is_empty());
    }
}

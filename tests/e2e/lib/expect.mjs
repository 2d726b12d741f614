// Assertions on what a user sees, waiting (with a bounded timeout) for the page to get there.

export const TIMEOUT = 15_000;

/** Waits until the first element of `locator` is visible; `what` names it in the error. */
export async function visible(locator, what, timeout = TIMEOUT) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout });
  } catch {
    throw new Error(`not seen within ${timeout} ms: ${what}`);
  }
}

/** Fails if anything matches `locator` on the page as it is. */
export async function none(locator, what) {
  const count = await locator.count();
  if (count !== 0) throw new Error(`${what}: found ${count}, expected none`);
}

/** Waits until an element of `locator` has text matching `pattern`; returns that text. */
export async function text(locator, pattern, what, timeout = TIMEOUT) {
  const matching = locator.filter({ hasText: pattern });
  try {
    await matching.first().waitFor({ state: 'visible', timeout });
  } catch {
    const seen = await locator.allInnerTexts().catch(() => []);
    throw new Error(`${what}: nothing matching ${pattern} within ${timeout} ms; saw ${JSON.stringify(seen)}`);
  }
  return matching.first().innerText();
}

/** Fails with `message` unless `condition` holds. */
export function check(condition, message) {
  if (!condition) throw new Error(message);
}

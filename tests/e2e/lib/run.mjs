// Runs one browser scenario: launches Chromium, runs the steps, reports failure with the page's URL, exits 0 only on success.

import { launch, screenshot } from './browser.mjs';

/** Runs `steps(browser)`; on failure prints the error and a screenshot name, and exits 1. */
export async function run(name, steps) {
  let browser;
  let code = 0;
  try {
    browser = await launch();
    await steps(browser);
    process.stdout.write(`PASS ${name}\n`);
  } catch (error) {
    code = 1;
    process.stderr.write(`FAIL ${name}: ${error.stack ?? error}\n`);
    for (const context of browser?.contexts() ?? []) {
      for (const page of context.pages()) {
        process.stderr.write(`  open page: ${page.url()}\n`);
        await screenshot(page, `failed-${name}`).catch(() => {});
      }
    }
  } finally {
    await browser?.close().catch(() => {});
  }
  process.exit(code);
}

// The system's Chromium (`/usr/bin/chromium`) driven by playwright-core, trusting only the nodes' own certificates.
//
// Trust: each node's self-signed certificate is accepted by the SHA-256 hash
// of its public key (SubjectPublicKeyInfo), computed here from the PEM files
// named in TOCSIN_E2E_CERTS and passed with `--ignore-certificate-errors-spki-list`;
// any other certificate error still fails. Requests made from Node.js
// (`page.request`) trust the same certificates, given as NODE_EXTRA_CA_CERTS.
// Playwright gives every launch a fresh, temporary user-data directory.

import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** The value of environment variable `name`; throws if it is unset. */
export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** Base64 SHA-256 of the public key of the PEM certificate at `path`. */
function spkiHash(path) {
  const spki = new X509Certificate(readFileSync(path)).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/** Chromium, headless, with the flags a machine without outside network needs. */
export async function launch() {
  const pins = env('TOCSIN_E2E_CERTS').split(',').map(spkiHash);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--ignore-certificate-errors-spki-list=${pins.join(',')}`,
    ],
  });
}

/** A new page in its own context (its own cookies: one user), desktop-sized, in English. */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
  return context.newPage();
}

/** Saves a full-page PNG of `page` as `<name>.png` in TOCSIN_E2E_SCREENSHOTS. */
export async function screenshot(page, name) {
  const dir = env('TOCSIN_E2E_SCREENSHOTS');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

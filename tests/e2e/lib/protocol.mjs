// The line protocol with the Rust test: the script says `READY <what>` on stdout and waits for `GO …` on stdin.

import { createInterface } from 'node:readline';

let lines;

/** Writes one line to the test. */
export function say(line) {
  process.stdout.write(`${line}\n`);
}

/** Says `READY <what>` and waits for the test's `GO …` line; returns what follows `GO`. */
export async function ready(what) {
  lines ??= createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  say(`READY ${what}`);
  const { value, done } = await lines.next();
  if (done) throw new Error(`the test closed stdin instead of answering READY ${what}`);
  if (!value.startsWith('GO')) throw new Error(`expected GO after READY ${what}, got ${JSON.stringify(value)}`);
  return value.slice(2).trim();
}

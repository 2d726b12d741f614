// Signing in as a user does: the node sends the browser to its development issuer, whose form takes a user name and roles.

import { newPage } from './browser.mjs';
import { check, visible } from './expect.mjs';

/** A page of a new context signed in at `web` as `user` with `roles`, on the overview. */
export async function signIn(browser, web, user, roles) {
  const page = await newPage(browser);
  await page.goto(`${web}/warnings`);
  await visible(page.getByRole('heading', { name: 'Development sign-in' }), 'the issuer\'s sign-in form');
  await page.getByLabel('User', { exact: true }).fill(user);
  await page.getByLabel('Display name').fill(user[0].toUpperCase() + user.slice(1));
  for (const role of roles) {
    await page.getByLabel(role, { exact: true }).check();
  }
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${web}/overview`);
  await visible(page.getByRole('heading', { name: 'Overview', level: 1 }), 'the overview after sign-in');
  const cookies = await page.context().cookies(web);
  const session = cookies.find((c) => c.name === '__Host-tocsin');
  check(session?.httpOnly && session?.secure, `a secure, HttpOnly session cookie: ${JSON.stringify(cookies)}`);
  return page;
}

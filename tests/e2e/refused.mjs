// Scenario: an analyst and an auditor at the AU read a warning on the board but get no answer forms, and are refused when they post them anyway.

import { env, screenshot } from './lib/browser.mjs';
import { check, none, text, visible } from './lib/expect.mjs';
import { run } from './lib/run.mjs';
import { signIn } from './lib/signin.mjs';

const web = env('TOCSIN_E2E_WEB');
const headline = env('TOCSIN_E2E_HEADLINE');
const warningPath = `/warnings/${env('TOCSIN_E2E_WARNING')}`;
const REFUSAL = 'You may not do this.';

/** Posts an answer form with the page's own CSRF token, as a crafted request would. */
async function postAnyway(page, step, fields) {
  const csrf = await page.locator('input[name=csrf]').first().inputValue();
  check(csrf.length > 0, 'the page carries a CSRF token');
  const response = await page.request.post(`${web}${warningPath}/${step}`, {
    form: { csrf, ...fields },
    maxRedirects: 0,
  });
  const body = await response.text();
  check(response.status() === 403, `POST ${step} answered ${response.status()}, expected 403: ${body}`);
  check(body.includes(REFUSAL), `the refusal page says so: ${body}`);
}

await run('refused', async (browser) => {
  for (const [user, role] of [['obs', 'auditor'], ['ana', 'analyst']]) {
    const page = await signIn(browser, web, user, [role]);
    await page.getByRole('navigation').getByRole('link', { name: 'Warnings' }).click();
    const warning = page.locator('#board tr', { hasText: headline });
    await visible(warning, `the warning on the ${role}'s board`);
    await none(page.getByRole('button', { name: 'Acknowledge' }), `acknowledge buttons for an ${role}`);
    await none(page.getByRole('button', { name: 'Record decision' }), `decide buttons for an ${role}`);
    await none(page.locator('form[action$="/acknowledge"], form[action$="/decide"]'), `answer forms for an ${role}`);

    await postAnyway(page, 'acknowledge', { kind: 'accepted_for_action' });
    await postAnyway(page, 'decide', { kind: 'act', justification: 'not mine to decide' });

    // The same form submitted from the page: the browser shows the refusal.
    const refused = page.waitForResponse((r) => r.url() === `${web}${warningPath}/acknowledge`);
    await page.evaluate((action) => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = action;
      const csrf = document.querySelector('input[name=csrf]').cloneNode();
      const kind = Object.assign(document.createElement('input'), { name: 'kind', value: 'received' });
      form.append(csrf, kind);
      document.body.append(form);
      form.submit();
    }, `${warningPath}/acknowledge`);
    const response = await refused;
    check(response.status() === 403, `the submitted form answered ${response.status()}`);
    await text(page.getByRole('alert'), /You may not do this\./, 'the refusal shown');
    if (role === 'analyst') await screenshot(page, 'refused');

    // Nothing was recorded.
    await page.goto(`${web}${warningPath}`);
    await visible(page.getByRole('heading', { name: 'Warning timeline' }), 'the timeline');
    await none(page.locator('li.event-acknowledged, li.event-decided'), 'answers on the timeline');
    await page.context().close();
  }
});

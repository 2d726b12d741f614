// Scenario: a decision-maker at the AU signs in, reads the overview and a situation, sees a warning from XAA arrive on the board live, answers it, and finds every step on the timeline and in the report.

import { env, DESKTOP, PHONE, screenshot } from './lib/browser.mjs';
import { check, none, text, TIMEOUT, visible } from './lib/expect.mjs';
import { ready } from './lib/protocol.mjs';
import { run } from './lib/run.mjs';
import { signIn } from './lib/signin.mjs';

const web = env('TOCSIN_E2E_WEB');
const headline = env('TOCSIN_E2E_HEADLINE');
const situation = env('TOCSIN_E2E_SITUATION');

await run('decision_maker', async (browser) => {
  const page = await signIn(browser, web, 'dora', ['decision_maker']);

  // Overview: the situation, with its overall risk.
  const row = page.locator('main tr', { hasText: situation });
  await visible(row, `the overview lists ${situation}`);
  await text(row.locator('.risk'), /^high$/i, 'its overall risk');
  await screenshot(page, 'overview');

  // Situation page: this node's assessment and XAA's shared one side by side.
  await row.getByRole('link', { name: situation }).click();
  await visible(page.getByRole('heading', { name: `Situation · ${situation}` }), 'the situation page');
  for (const org of ['au', 'xaa']) {
    await visible(page.locator('th[scope=row]', { hasText: new RegExp(`^${org}$`) }), `${org}'s column`);
  }
  await visible(page.locator('tr#factor-1'), 'the risk-factor grid');
  await screenshot(page, 'situation');

  // The board, connected to the live events, before the warning exists.
  const events = page
    .waitForResponse((r) => r.url() === `${web}/events` && r.status() === 200, { timeout: TIMEOUT })
    .catch(() => { throw new Error('the board did not open its live event stream (/events)'); });
  await page.getByRole('navigation').getByRole('link', { name: 'Warnings' }).click();
  await visible(page.getByRole('heading', { name: 'Warnings board' }), 'the warnings board');
  await events;
  const warning = page.locator('#board tr', { hasText: headline });
  await none(warning, 'the warning before it is issued');
  await page.evaluate(() => { window.tocsinSameDocument = true; });

  // XAA issues the warning; it appears without a reload.
  const [sender, id] = (await ready('board')).split(' ');
  check(sender === 'xaa' && id, `GO names the warning: ${sender} ${id}`);
  await visible(warning, 'the warning arriving live on the board');
  check(await page.evaluate(() => window.tocsinSameDocument === true), 'the board was not reloaded');
  await visible(warning.getByRole('button', { name: 'Acknowledge' }), 'the acknowledge button');
  await text(warning, /xaa · warning/i, 'the sender and level');
  await screenshot(page, 'board-live');
  await page.setViewportSize(PHONE);
  await screenshot(page, 'board-phone');
  await page.setViewportSize(DESKTOP);

  // Acknowledge, decide, record an action: each form leads to the timeline.
  const timeline = `${web}/warnings/${sender}/${id}`;
  await warning.getByLabel('Acknowledgement').selectOption('accepted_for_action');
  await warning.getByRole('button', { name: 'Acknowledge' }).click();
  await page.waitForURL(timeline);
  await text(page.locator('li.event-acknowledged'), /acknowledged by au: accepted.for.action/i, 'the acknowledgement');

  await page.getByRole('link', { name: 'Back to the board' }).click();
  await none(warning.getByRole('button', { name: 'Acknowledge' }), 'the acknowledge button once acknowledged');
  await warning.getByLabel('Decision').selectOption('act');
  await warning.getByLabel('Justification').fill('Mediation window before the census.');
  await warning.getByRole('button', { name: 'Record decision' }).click();
  await page.waitForURL(timeline);
  await text(page.locator('li.event-decided'), /decided by au: act/i, 'the decision');

  await page.getByRole('link', { name: 'Back to the board' }).click();
  await warning.getByLabel('Action', { exact: true }).selectOption('mediation');
  await warning.getByLabel('Description').fill('Envoy to the northern corridor.');
  await warning.getByLabel('Due').fill('2031-01-31');
  await warning.getByRole('button', { name: 'Record action' }).click();
  await page.waitForURL(timeline);

  // The timeline: every step, with the time since issue and since the step before.
  await page.getByRole('link', { name: 'Back to the board' }).click();
  await warning.getByRole('link', { name: headline }).click();
  await page.waitForURL(timeline);
  await visible(page.getByRole('heading', { name: 'Warning timeline' }), 'the timeline');
  const after = /^After \d+[smhd]( \d+[smh])? \(\+\d+[smhd]( \d+[smh])?\)$/;
  for (const [step, said] of [
    ['issued', /issued/i],
    ['acknowledged', /acknowledged by au: accepted.for.action/i],
    ['decided', /decided by au: act/i],
    ['action_recorded', /mediation/i],
  ]) {
    const entry = page.locator(`li.event-${step}`);
    await text(entry, said, `the ${step} step`);
    await text(entry.locator('.after'), after, `the durations of the ${step} step`);
    await visible(entry.locator('time[datetime]'), `when the ${step} step happened`);
  }
  await screenshot(page, 'timeline');

  // The report counts the warning acknowledged, decided and acted on.
  await page.getByRole('navigation').getByRole('link', { name: 'Report' }).click();
  await visible(page.getByRole('heading', { name: 'Warning response report' }), 'the report');
  for (const step of ['acknowledgement', 'decision', 'action']) {
    await text(page.locator(`#step-${step} td.num`), /^1$/, `warnings counted to ${step}`);
  }
  await text(page.locator('#without-action'), /Every open warning has an action/, 'no open warning without action');
  await screenshot(page, 'report');
});

// Scenario: an analyst at the AU drafts an assessment in the editor and submits it; a reviewer publishes it; the situation appears on the overview.

import { env, screenshot } from './lib/browser.mjs';
import { none, text, visible } from './lib/expect.mjs';
import { run } from './lib/run.mjs';
import { signIn } from './lib/signin.mjs';

const web = env('TOCSIN_E2E_WEB');
const TITLE = 'Eastern XBB';
const COUNTRY = 'XBB';

/** The words a `data-status` may hold for each step: a submitted version is `in_review` in the node's own words. */
const STATUS = { draft: ['draft'], submitted: ['submitted', 'in_review'], published: ['published'] };

/** Waits until the page's `data-status` element says `status`. */
async function status(page, status) {
  const holder = page.locator(STATUS[status].map((word) => `[data-status="${word}"]`).join(', '));
  await visible(holder, `the assessment's status ${status} (data-status ${STATUS[status].join(' or ')})`);
}

/** Opens this node's assessment list from the navigation, then `title`'s page. */
async function openAssessment(page, title) {
  await page.getByRole('navigation').getByRole('link', { name: 'Assessments' }).click();
  await page.waitForURL(`${web}/assessments`);
  await page.getByRole('link', { name: title }).first().click();
  await page.waitForURL(new RegExp(`^${web}/assessments/(?!new$)[^/?]+$`));
}

await run('assessment_editor', async (browser) => {
  const analyst = await signIn(browser, web, 'ada', ['analyst']);
  await analyst.getByRole('navigation').getByRole('link', { name: 'Assessments' }).click();
  await analyst.waitForURL(`${web}/assessments`);
  await analyst.getByRole('link', { name: 'New assessment' }).click();
  await analyst.waitForURL(`${web}/assessments/new`);

  const form = analyst.locator('form', { has: analyst.getByRole('button', { name: 'Save draft' }) });
  await form.locator('input[name=title]').fill(TITLE);
  await form.locator('input[name=countries]').fill(COUNTRY);
  await form.locator('input[name=crime][value=crimes_against_humanity]').check();
  await form.locator('input[name=crime][value=ethnic_cleansing]').check();
  await form.locator('select[name="factor.1.level"]').selectOption('high');
  await form.locator('input[name=indicator][value="1.1"]').check();
  await form.locator('select[name="factor.8.level"]').selectOption('medium');
  await form.locator('input[name=indicator][value="8.8"]').check();
  await form.locator('select[name=overall_risk]').selectOption('high');
  await form.locator('select[name=trend]').selectOption('deteriorated');
  await form.locator('select[name=confidence]').selectOption('medium');
  await form.locator('input[name=horizon_months]').fill('6');
  await form.locator('textarea[name=narrative]').fill('Displacement along the eastern border; militias recruit openly.');
  await form.locator('textarea[name=sources]').fill('confidential field report 12\ninterview with a displaced elder');
  await form.locator('select[name=tlp]').selectOption('green');
  await screenshot(analyst, 'editor');

  await form.getByRole('button', { name: 'Save draft' }).click();
  await analyst.waitForURL(new RegExp(`^${web}/assessments/(?!new$)[^/?]+$`));
  const saved = analyst.url();
  await status(analyst, 'draft');
  await visible(analyst.getByText(TITLE), 'the title on the saved draft');
  await analyst.getByRole('button', { name: 'Submit for review' }).click();
  await status(analyst, 'submitted');
  await none(analyst.getByRole('button', { name: 'Publish' }), 'a publish button for the analyst');
  await analyst.context().close();

  const reviewer = await signIn(browser, web, 'rev', ['reviewer']);
  await openAssessment(reviewer, TITLE);
  await status(reviewer, 'submitted');
  await reviewer.getByRole('button', { name: 'Publish' }).click();
  await status(reviewer, 'published');
  await screenshot(reviewer, 'assessment-published');
  if (reviewer.url() !== saved) throw new Error(`the reviewer published ${reviewer.url()}, the analyst saved ${saved}`);

  await reviewer.getByRole('navigation').getByRole('link', { name: 'Overview' }).click();
  const row = reviewer.locator('main tr', { hasText: TITLE });
  await visible(row.getByRole('link', { name: TITLE }), 'the new situation on the overview');
  await text(row.locator('.risk'), /^high$/i, 'its overall risk');
});

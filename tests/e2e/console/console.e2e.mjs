// The web console end to end, in headless Chromium against a real cxloopd with the real web
// channel: each test is one thing a person does in the console. Screenshots of the main pages
// at laptop (1366 px) and tablet (768 px) widths land in <build>/test-artifacts/console/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startServer, buildDir, sourceDir } from './cxloopd.mjs';
import { startSmsGateway } from './sms_gateway.mjs';

const require = createRequire(path.join(sourceDir || '.', 'package.json'));
const CHROMIUM = process.env.CXLOOP_CHROMIUM || '/usr/bin/chromium';
const artifacts = path.join(buildDir || '.', 'test-artifacts', 'console');
const WAIT = { timeout: 15000 };

let server;
let gateway;
let browser;
let adminToken;
let agentToken;

before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: install Debian's chromium (.ci/setup --tests)`);
  let chromium;
  try {
    ({ chromium } = require('playwright-core'));
  } catch {
    throw new Error('playwright-core is not installed: run npm ci at the repository root (.ci/setup --tests does)');
  }
  mkdirSync(artifacts, { recursive: true });
  gateway = await startSmsGateway();
  server = await startServer({ smsGatewayUrl: gateway.url });
  adminToken = server.token('admin', 'e2e admin');
  agentToken = server.token('agent', 'Alex Agent');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await gateway?.close();
});

async function signedIn(token, width = 1366) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) errors.push(message.text());
  });
  page.scriptErrors = errors;
  await page.goto(`${server.base}/`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Inbox' }).waitFor(WAIT);
  return page;
}

// Closes the page's browser context after checking that no script failed on it and that the
// page it ended on shows no "undefined" or "null" where a value was missing.
async function done(page) {
  const errors = page.scriptErrors || [];
  const text = await page.locator('main').innerText();
  await page.context().close();
  assert.deepEqual(errors, [], 'no script errors in the console');
  assert.doesNotMatch(text, /\b(undefined|null|NaN|\[object Object\])\b/);
}

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

async function submitWebForm(email, description, name, phone) {
  const response = await fetch(`${server.base}/hooks/channel/web/submissions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, description, name, ...(phone ? { phone } : {}) }),
  });
  const text = await response.text();
  assert.equal(response.status, 201, text);
  return JSON.parse(text);
}

test('signing in with a wrong token says so next to the token field and keeps what was typed', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.base}/console/`);
  await page.getByLabel('Token').fill('cxl_not-a-real-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor(WAIT);
  assert.match(await alert.textContent(), /token was not accepted/);
  assert.equal(await page.getByLabel('Token').inputValue(), 'cxl_not-a-real-token');
  assert.equal(await page.getByLabel('Token').getAttribute('aria-invalid'), 'true');
  await context.close();
});

test('an agent signs in, sees their name and role, and signs out', async () => {
  const page = await signedIn(agentToken);
  assert.equal(await page.locator('#who-role').textContent(), 'agent');
  assert.equal(await page.locator('#who-name').textContent(), 'Alex Agent');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('cxloop.token')), agentToken);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor(WAIT);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('cxloop.token')), null);
  await done(page);
});

test('a token revoked while its holder works sends them to the sign-in page with the reason', async () => {
  const token = server.token('agent', 'Short-lived');
  const page = await signedIn(token);
  const me = await server.api('GET', '/api/v1/me', token);
  await server.api('DELETE', `/api/v1/tokens/${me.token_id}`, adminToken);
  // The inbox's next poll meets the 401.
  await page.getByRole('heading', { name: 'Sign in' }).waitFor(WAIT);
  await page.getByText('Your token is no longer accepted; sign in again.').waitFor(WAIT);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('cxloop.token')), null);
  await done(page);
});

test('a case sent through the web form appears in the open inbox without a reload', async () => {
  const page = await signedIn(agentToken);
  await page.evaluate(() => { window.notReloaded = true; });
  const subject = `Kettle lid cracked ${Date.now()}`;
  await submitWebForm('ann@example.com', `${subject}\nIt cracked on first use.`, 'Ann Example');
  await page.getByRole('link', { name: /^CS-/ }).first().waitFor(WAIT);
  await page.getByRole('cell', { name: subject }).waitFor(WAIT);
  assert.equal(await page.evaluate(() => window.notReloaded), true);
  await screenshot(page, 'inbox-1366');
  await done(page);
});

test('the inbox filters cases by text and state, and keeps the filters when coming back', async () => {
  const marker = `Filterable${Date.now()}`;
  await submitWebForm('cy@example.com', `${marker} toaster smokes\nSmoke on first use.`, 'Cy Example');
  const page = await signedIn(agentToken);
  await page.getByLabel('Text').fill(marker);
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForFunction((m) => {
    const rows = [...document.querySelectorAll('main tbody tr')];
    return rows.length === 1 && rows[0].textContent.includes(m);
  }, marker, WAIT);
  assert.match(await page.locator('#inbox-count').textContent(), /^1 case$/);
  await page.getByLabel('State').selectOption('closed');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByText('No cases match these filters.').waitFor(WAIT);
  await page.getByLabel('State').selectOption('');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByRole('cell', { name: new RegExp(marker) }).waitFor(WAIT);
  await page.getByRole('link', { name: /^CS-/ }).first().click();
  await page.getByRole('link', { name: '← Inbox' }).click();
  await page.getByRole('cell', { name: new RegExp(marker) }).waitFor(WAIT);
  assert.equal(await page.getByLabel('Text').inputValue(), marker);
  await done(page);
});

test('an agent opens a case, replies, and changes its state; a refused change is explained next to it', async () => {
  const subject = `Shipping box crushed ${Date.now()}`;
  const intake = await submitWebForm('bo@example.com', `${subject}\nThe box arrived crushed.`, 'Bo Example');
  const page = await signedIn(agentToken);
  await page.getByRole('cell', { name: subject }).waitFor(WAIT);
  await page.getByRole('link', { name: intake.case_number }).click();
  await page.getByRole('heading', { name: new RegExp(subject) }).waitFor(WAIT);
  await page.locator('aside', { hasText: 'bo@example.com' }).waitFor(WAIT);

  await page.getByLabel('Reply to the customer').fill('Sorry about that, a new one is on its way.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await page.locator('.message.outbound', { hasText: 'a new one is on its way' }).waitFor(WAIT);
  assert.equal(await page.getByLabel('Reply to the customer').inputValue(), '');

  await page.getByLabel('New state').selectOption('open');
  await page.getByRole('button', { name: 'Change state' }).click();
  await page.locator('h1 + .meta .badge', { hasText: 'open' }).waitFor(WAIT);

  // open → closed is not an edge of the case lifecycle: the server says which states are.
  await page.getByLabel('New state').selectOption('closed');
  await page.getByRole('button', { name: 'Change state' }).click();
  const alert = page.locator('form[aria-label="Change state"] .form-error');
  await alert.waitFor(WAIT);
  assert.match(await alert.textContent(), /closed/);
  assert.equal(await page.getByLabel('New state').inputValue(), 'closed');
  const stored = await server.api('GET', `/api/v1/cases/${page.url().match(/cases\/(\d+)/)[1]}`, agentToken);
  assert.equal(stored.state, 'open');
  await screenshot(page, 'case-1366');
  await page.setViewportSize({ width: 768, height: 1024 });
  await screenshot(page, 'case-768');
  await done(page);
});

test('editing a problem\'s scope updates the count of customers in scope', async () => {
  const seed = async (email, sku) => {
    const customer = await server.api('POST', '/api/v1/customers', agentToken, { name: email, email });
    await server.api('POST', '/api/v1/assets', agentToken, { customer_id: customer.id, sku, batch: 'B1', purchase_date: '2026-01-10' });
  };
  await seed('c1@example.com', 'KT-100');
  await seed('c2@example.com', 'KT-100');
  await seed('c3@example.com', 'KT-200');
  const problem = await server.api('POST', '/api/v1/problems', agentToken, { title: 'Kettle lids crack', category: 'product_quality' });

  const page = await signedIn(agentToken);
  await page.getByRole('link', { name: 'Problems' }).click();
  await page.getByRole('link', { name: /Kettle lids crack/ }).click();
  const inScope = page.locator('[data-figure="in-scope-customers"]');
  await inScope.waitFor(WAIT);
  assert.equal(await inScope.textContent(), '0');

  await page.getByLabel('Products (SKUs, comma-separated)').fill('KT-100');
  await page.getByRole('button', { name: 'Save scope and recount' }).click();
  await page.waitForFunction(() => document.querySelector('[data-figure="in-scope-customers"]')?.textContent === '2', null, WAIT);

  await page.getByLabel('Products (SKUs, comma-separated)').fill('KT-100, KT-200');
  await page.getByRole('button', { name: 'Save scope and recount' }).click();
  await page.waitForFunction(() => document.querySelector('[data-figure="in-scope-customers"]')?.textContent === '3', null, WAIT);
  const stored = await server.api('GET', `/api/v1/problems/${problem.id}`, agentToken);
  assert.deepEqual(stored.scope.skus, ['KT-100', 'KT-200']);
  await screenshot(page, 'problem-1366');
  await page.setViewportSize({ width: 768, height: 1024 });
  await screenshot(page, 'problem-768');
  await page.getByRole('link', { name: '← Problems' }).click();
  await page.getByRole('heading', { name: 'Problems' }).waitFor(WAIT);
  await page.setViewportSize({ width: 1366, height: 900 });
  await screenshot(page, 'problems-1366');
  await done(page);
});

test('an agent routes a task to a department from the problem page, and a past due date is explained at the field', async () => {
  const department = await server.api('POST', '/api/v1/departments', adminToken, { name: `Engineering ${Date.now()}` });
  const problem = await server.api('POST', '/api/v1/problems', agentToken, { title: 'Hinges squeak', category: 'product_quality' });
  await server.api('POST', `/api/v1/problems/${problem.id}/transition`, agentToken, { state: 'investigating' });
  const tasks = await fetch(`${server.base}/api/v1/problems/${problem.id}/tasks`, { headers: { Authorization: `Bearer ${agentToken}` } });
  const page = await signedIn(agentToken);
  await page.goto(`${server.base}/console/#/problems/${problem.id}`);
  if (tasks.status === 404) {
    await page.getByText('Department tasks are not available on this server yet').waitFor(WAIT);
    await done(page);
    return;
  }
  assert.equal(tasks.status, 200);
  await page.getByLabel('Department', { exact: true }).selectOption(String(department.id));
  await page.getByLabel('Task', { exact: true }).fill('Replace the hinge grease');
  await page.getByLabel('Due', { exact: true }).fill('2020-01-15T10:00');
  await page.getByRole('button', { name: 'Route task' }).click();
  const alert = page.locator('form[aria-label="Route a task to a department"] .form-error');
  await alert.waitFor(WAIT);
  assert.match(await alert.textContent(), /in the past/);
  assert.equal(await page.getByLabel('Due', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Task', { exact: true }).inputValue(), 'Replace the hinge grease');

  const due = new Date(Date.now() + 7 * 86400000);
  const local = new Date(due.getTime() - due.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  await page.getByLabel('Due', { exact: true }).fill(local);
  await page.getByRole('button', { name: 'Route task' }).click();
  await page.locator('#task-list li', { hasText: 'Replace the hinge grease' }).waitFor(WAIT);
  const stored = await server.api('GET', `/api/v1/problems/${problem.id}/tasks`, agentToken);
  assert.equal(stored.items.length, 1);
  assert.equal(stored.items[0].department_id, department.id);
  assert.equal(stored.items[0].status, 'queued');
  await screenshot(page, 'problem-tasks-1366');
  await done(page);
});

test('an agent accepts a suggested problem: the problem is created with the alike cases linked', async () => {
  const texts = ['The glass carafe of my coffee maker cracked when I poured hot water',
    'Coffee maker glass carafe cracked as soon as hot water was poured in',
    'Hot water poured into the coffee maker and the glass carafe cracked'];
  const numbers = [];
  for (const [i, text] of texts.entries()) {
    numbers.push((await submitWebForm(`carafe${i}@example.com`, text, `Carafe ${i}`)).case_number);
  }
  let suggestion;
  for (let i = 0; i < 100 && !suggestion; i++) {
    const open = await server.api('GET', '/api/v1/suggestions?state=open&kind=problem', agentToken);
    suggestion = open.items.find((s) => (s.case_ids || []).length >= 3);
    if (!suggestion) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(suggestion, 'the similarity plugin proposed a problem for the three alike cases');

  const page = await signedIn(agentToken);
  await page.getByRole('link', { name: 'Suggestions' }).click();
  const card = page.locator('article.suggestion', { has: page.getByRole('heading', { name: suggestion.title }) });
  await card.waitFor(WAIT);
  assert.match(await card.textContent(), /3 case\(s\)/);
  await screenshot(page, 'suggestions-1366');
  await card.getByLabel('Problem title').fill('Coffee maker carafes crack with hot water');
  await card.getByRole('button', { name: /^Accept/ }).click();
  await card.getByText(/Accepted: 3 case\(s\) linked/).waitFor(WAIT);
  await card.getByRole('link', { name: /^PRB-/ }).click();
  await page.getByRole('heading', { name: /Coffee maker carafes crack with hot water/ }).waitFor(WAIT);
  for (const number of numbers) await page.getByRole('link', { name: number }).waitFor(WAIT);
  await page.locator('[data-figure="linked-cases"]', { hasText: '3' }).waitFor(WAIT);
  await done(page);
});

test('delivering the fix tells the customers: the campaign goes out through the SMS notifier and completes', async () => {
  const probe = await fetch(`${server.base}/api/v1/problems/999999/campaign`, { headers: { Authorization: `Bearer ${agentToken}` } });
  const probeBody = await probe.json();
  const problem = await server.api('POST', '/api/v1/problems', agentToken, { title: 'Toaster timers stick', category: 'product_quality' });
  const page = await signedIn(agentToken);
  if (/^no resource at /.test(probeBody.detail || '')) {
    await page.goto(`${server.base}/console/#/problems/${problem.id}`);
    await page.getByText('Campaigns are not available on this server yet').waitFor(WAIT);
    await done(page);
    return;
  }
  const stamp = Date.now();
  const phones = ['+15551230001', '+15551230002'];
  for (const [i, phone] of phones.entries()) {
    const intake = await submitWebForm(`toaster${stamp}${i}@example.com`, `Toaster timer sticks ${stamp}\nThe lever stays down.`, `Toaster ${i}`, phone);
    const found = await server.api('GET', `/api/v1/cases?q=${encodeURIComponent(`Toaster timer sticks ${stamp}`)}&limit=10`, agentToken);
    const c = found.items.find((item) => item.number === intake.case_number);
    await server.api('POST', `/api/v1/problems/${problem.id}/cases`, agentToken, { case_id: c.id });
  }
  await server.api('POST', `/api/v1/problems/${problem.id}/transition`, agentToken, { state: 'investigating' });
  await server.api('PUT', `/api/v1/problems/${problem.id}/solution`, agentToken, {
    type: 'product_change', summary: 'New timer spring',
    customer_message: 'The timer spring is replaced in all toasters from today; reply for a free spare.',
  });
  const department = await server.api('POST', '/api/v1/departments', adminToken, { name: `Toaster works ${stamp}` });
  const departmentToken = server.token('department', 'toaster works', department.id);
  const before = gateway.messages.length;

  // The agent routes the fix and agrees the solution in the console ...
  await page.goto(`${server.base}/console/#/problems/${problem.id}`);
  await page.getByText('No campaign yet').waitFor(WAIT);
  await page.getByLabel('Department', { exact: true }).selectOption(String(department.id));
  await page.getByLabel('Task', { exact: true }).fill('Fit the new timer spring');
  await page.getByRole('button', { name: 'Route task' }).click();
  await page.locator('#task-list li', { hasText: 'Fit the new timer spring' }).waitFor(WAIT);
  await page.getByRole('button', { name: /^Agree solution/ }).click();
  await page.getByText('Solution agreed.').waitFor(WAIT);
  // ... the department finishes its task (through the API, as its own system would) ...
  const [task] = (await server.api('GET', `/api/v1/problems/${problem.id}/tasks`, agentToken)).items;
  for (const state of ['open', 'done']) await server.api('POST', `/api/v1/tasks/${task.id}/transition`, departmentToken, { state });
  // ... which delivers the fix; the page follows the campaign until every customer is told.
  try {
    await page.locator('#campaign-state .badge', { hasText: 'completed' }).waitFor({ timeout: 45000 });
  } catch (error) {
    await screenshot(page, 'problem-campaign-failed');
    const shown = await page.locator('section[aria-labelledby="campaign-title"]').innerText();
    throw new Error(`the campaign did not complete; the page shows: ${shown}\n${error.message}`);
  }
  const sent = await page.locator('#campaign-table tr', { hasText: 'sms_notifier' }).locator('td').allTextContents();
  const [pending, sentCount, delivered, failed] = sent.map(Number);
  assert.equal(pending, 0);
  assert.equal(failed, 0);
  assert.equal(sentCount + delivered, 2);
  const told = gateway.messages.slice(before);
  assert.deepEqual(told.map((m) => m.fields.To).sort(), phones);
  for (const m of told) assert.match(m.fields.Body, /timer spring is replaced/);
  await screenshot(page, 'problem-campaign-1366');
  await done(page);
});

test('an agent token cannot see the admin pages', async () => {
  const page = await signedIn(agentToken);
  assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0);
  await page.goto(`${server.base}/console/#/admin`);
  const alert = page.getByRole('alert');
  await alert.waitFor(WAIT);
  assert.match(await alert.textContent(), /need an admin token; you are signed in as agent/);
  assert.equal(await page.locator('#plugins-table').count(), 0);
  await done(page);
});

test('the admin page lists the plugins with kind, version and state, and creates a token shown once', async () => {
  const page = await signedIn(adminToken);
  await page.getByRole('link', { name: 'Admin' }).click();
  const row = page.locator('#plugins-table tr', { hasText: 'web' });
  await row.waitFor(WAIT);
  const cells = await row.locator('td').allTextContents();
  assert.equal(cells[0], 'web');
  assert.equal(cells[2], 'channel');
  assert.match(cells[3], /^\d+\.\d+\.\d+$/);
  assert.equal(cells[4], 'running');

  await page.getByLabel('Name', { exact: true }).last().fill('kiosk');
  await page.getByLabel('Role', { exact: true }).selectOption('ingest');
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = page.locator('#new-token-secret');
  await secret.waitFor(WAIT);
  const value = await secret.textContent();
  const me = await server.api('GET', '/api/v1/me', value);
  assert.equal(me.role, 'ingest');
  await page.locator('#tokens-table tr', { hasText: 'kiosk' }).waitFor(WAIT);
  await screenshot(page, 'admin-1366');
  await done(page);
});

test('the admin page shows a dead outbox item with its error, and retry queues it again', async () => {
  const outbox = await fetch(`${server.base}/api/v1/outbox?state=dead`, { headers: { Authorization: `Bearer ${adminToken}` } });
  const page = await signedIn(adminToken);
  if (outbox.status === 404) {
    await page.goto(`${server.base}/console/#/admin`);
    await page.getByText('The outbox is not browsable on this server yet').waitFor(WAIT);
    await done(page);
    return;
  }
  // A department wired to a channel instance instead of a connector: its task push can
  // never succeed, so the outbox gives it up at once.
  const department = await server.api('POST', '/api/v1/departments', adminToken, { name: `Misrouted ${Date.now()}`, connector_instance: 'web' });
  const problem = await server.api('POST', '/api/v1/problems', adminToken, { title: 'Dead letter', category: 'other' });
  await server.api('POST', `/api/v1/problems/${problem.id}/transition`, adminToken, { state: 'investigating' });
  await server.api('POST', `/api/v1/problems/${problem.id}/tasks`, adminToken, { department_id: department.id, title: 'Never arrives' });
  let dead;
  for (let i = 0; i < 100 && !dead; i++) {
    const page = await server.api('GET', '/api/v1/outbox?state=dead', adminToken);
    dead = page.items.find((item) => item.operation === 'push' && item.payload?.department_id === department.id);
    if (!dead) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(dead, 'the push was given up');
  await page.goto(`${server.base}/console/#/admin`);
  const row = page.locator('tr', { hasText: `#${dead.id}` });
  await row.waitFor(WAIT);
  assert.match(await row.textContent(), /not implemented/);
  await row.getByRole('button', { name: 'Retry' }).click();
  // Shown only after the server accepted the retry. (The push fails again at once, so the
  // item's own state cannot tell a retried item from one never retried.)
  await row.getByText('queued again').waitFor(WAIT);
  await done(page);
});

test('the dashboard draws the server\'s summary figures, or says the summary is not offered', async () => {
  const page = await signedIn(agentToken);
  const summary = await fetch(`${server.base}/api/v1/analytics/summary`, { headers: { Authorization: `Bearer ${agentToken}` } });
  await page.getByRole('link', { name: 'Dashboard' }).click();
  if (summary.status === 404) {
    await page.getByText('does not offer yet').waitFor(WAIT);
  } else {
    assert.equal(summary.status, 200);
    const figures = await summary.json();
    await page.locator('canvas#chart-contacts-by-channel').waitFor(WAIT);
    const rows = await page.locator('table[data-chart="contacts-by-channel"] tbody tr').evaluateAll((trs) =>
      Object.fromEntries(trs.map((tr) => [tr.querySelector('th').textContent, Number(tr.querySelector('td').textContent)])));
    assert.deepEqual(rows, figures.contacts.by_channel);
    assert.ok(figures.contacts.by_channel.web >= 2, 'the web form cases of the earlier tests are counted');
  }
  await screenshot(page, 'dashboard-1366');
  await done(page);
});

test('the main pages fit a tablet screen without sideways scrolling', async () => {
  const page = await signedIn(adminToken, 768);
  for (const route of ['#/inbox', '#/problems', '#/suggestions', '#/dashboard', '#/admin']) {
    await page.goto(`${server.base}/console/${route}`);
    await page.locator('main h1').waitFor(WAIT);
    await page.waitForLoadState('networkidle');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, `${route} is ${overflow}px wider than the tablet screen`);
    assert.doesNotMatch(await page.locator('main').innerText(), /\b(undefined|null|NaN)\b/, route);
    await screenshot(page, `${route.slice(2)}-768`);
  }
  await done(page);
});

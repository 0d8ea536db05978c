// Dashboard: the figures of GET /api/v1/analytics/summary as charts (Chart.js from Debian's
// libjs-chart.js, served under /console/lib/), each with its numbers in a table for people
// who do not read charts and for screen readers.

import { available } from '../api.js';
import { figure } from '../charts.js';
import { h, field, label, notice, submitting } from '../ui.js';

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export async function render(main) {
  const charts = [];
  const today = new Date();
  const from = h('input', { type: 'date', name: 'from', value: isoDay(new Date(today.getTime() - 29 * 86400000)) });
  const to = h('input', { type: 'date', name: 'to', value: isoDay(today) });
  const form = h('form', { class: 'filters', 'aria-label': 'Dashboard period' },
    field('From', from), field('To', to), h('button', { type: 'submit' }, 'Show'));
  const grid = h('div', { class: 'charts' });
  main.append(h('h1', {}, 'Dashboard'), form, grid);

  async function load() {
    charts.splice(0).forEach((c) => c.destroy());
    grid.replaceChildren();
    const result = await available('/api/v1/analytics/summary', { from: from.value, to: to.value });
    if (!result.ok) {
      if (result.missing) {
        grid.append(notice('The dashboard needs GET /api/v1/analytics/summary, which this server does not offer yet.'));
        return;
      }
      throw result.error;
    }
    draw(grid, result.data, charts);
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, load);
  });
  await submitting(form, load);
  return () => charts.forEach((c) => c.destroy());
}

function draw(grid, s, charts) {
  const contacts = s.contacts || {};
  const byDay = contacts.by_day || [];
  grid.append(h('p', { class: 'summary-line' }, `${s.from} to ${s.to}: ${contacts.total ?? 0} contacts`));
  // One line per channel (and per category below), with the day's total.
  const split = (key) => {
    const names = [...new Set(byDay.flatMap((d) => Object.keys(d[key] || {})))].sort();
    return [{ label: 'all contacts', data: byDay.map((d) => d.contacts) },
      ...names.map((n) => ({ label: key === 'by_category' ? label(n) : n, data: byDay.map((d) => (d[key] || {})[n] || 0) }))];
  };
  figure(grid, charts, 'contacts-per-day', 'Contacts per day by channel', 'line', byDay.map((d) => d.date), split('by_channel'));
  figure(grid, charts, 'contacts-per-day-by-category', 'Contacts per day by category', 'line', byDay.map((d) => d.date),
    split('by_category'));
  const channels = Object.entries(contacts.by_channel || {});
  figure(grid, charts, 'contacts-by-channel', 'Contacts by channel', 'bar', channels.map(([k]) => k),
    [{ label: 'contacts', data: channels.map(([, v]) => v) }], { plugins: { legend: { display: false } } });
  const categories = Object.entries(contacts.by_category || {});
  figure(grid, charts, 'contacts-by-category', 'Contacts by category', 'bar', categories.map(([k]) => label(k)),
    [{ label: 'contacts', data: categories.map(([, v]) => v) }], { plugins: { legend: { display: false } } });
  const open = s.open_problems || {};
  const states = Object.entries(open.by_state || {});
  figure(grid, charts, 'problems-by-state', 'Open problems by state', 'bar', states.map(([k]) => label(k)),
    [{ label: 'problems', data: states.map(([, v]) => v) }], { plugins: { legend: { display: false } } });
  const departments = open.by_department || [];
  figure(grid, charts, 'problems-by-department', 'Open problems by department', 'bar',
    departments.map((d) => d.department || 'no department'), [{ label: 'problems', data: departments.map((d) => d.problems) }],
    { indexAxis: 'y', plugins: { legend: { display: false } } });
  const d = s.durations || {};
  const round = (v) => (v === null || v === undefined ? null : Math.round(v * 10) / 10);
  figure(grid, charts, 'time-to-fix', 'Mean hours: to root cause, to fix, fix to last customer told', 'bar',
    ['to root cause', 'to fix', 'fix to customers told'],
    [{ label: 'hours', data: [round(d.mean_hours_to_root_cause), round(d.mean_hours_to_fix), round(d.mean_hours_fix_to_last_customer_told)] }],
    { plugins: { legend: { display: false } } }, false);
  const p = s.proactive || {};
  figure(grid, charts, 'contacts-avoided', `Proactive notices: ${Math.round(p.avoided_contacts ?? 0)} contacts avoided`, 'bar',
    ['expected without notice', 'actually came'], [{ label: 'contacts', data: [round(p.expected_contacts ?? 0), p.actual_contacts ?? 0] }],
    { plugins: { legend: { display: false } } }, false);
  grid.append(h('p', { class: 'hint' }, 'Each problem\'s contacts per day, before and after its fix, are charted on the problem\'s own page.'));
}

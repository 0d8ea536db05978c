// Inbox: cases with filters, newest first. New and changed cases appear without a reload:
// the page asks GET /api/v1/cases again every few seconds while it is visible (see
// docs/console.md, "Live updates", for why polling rather than a stream).

import { api } from '../api.js';
import { h, clear, field, badge, formatTime, label, showError, clearError } from '../ui.js';

export const POLL_MS = 3000;
const STATES = ['new', 'open', 'pending', 'resolved', 'closed'];
const CHANNELS = ['web', 'email', 'chat', 'sms', 'api'];
const CATEGORIES = ['billing', 'product_quality', 'shipping', 'documentation', 'other'];

// Kept for the tab's life, so coming back from a case shows the same filtered list.
const filters = { state: '', channel: '', category: '', sku: '', problem_id: '', q: '' };

function select(name, options, value) {
  return h('select', { name },
    h('option', { value: '' }, 'any'),
    options.map((o) => h('option', { value: o, selected: o === value }, label(o))));
}

export function render(main) {
  const live = h('p', { class: 'visually-hidden', 'aria-live': 'polite', id: 'inbox-live' });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter cases' },
    field('State', select('state', STATES, filters.state)),
    field('Channel', select('channel', CHANNELS, filters.channel)),
    field('Category', select('category', CATEGORIES, filters.category)),
    field('Product (SKU)', h('input', { name: 'sku', value: filters.sku, size: 10 })),
    field('Problem id', h('input', { name: 'problem_id', value: filters.problem_id, inputmode: 'numeric', size: 6 })),
    field('Text', h('input', { name: 'q', type: 'search', value: filters.q })),
    h('button', { type: 'submit' }, 'Apply'));
  const count = h('p', { class: 'count', id: 'inbox-count' });
  const body = h('tbody');
  const table = h('table', { class: 'list', 'aria-describedby': 'inbox-count' },
    h('caption', { class: 'visually-hidden' }, 'Cases, newest first'),
    h('thead', {}, h('tr', {},
      ['Case', 'Subject', 'Channel', 'Category', 'Product', 'State', 'Problem', 'Received']
        .map((t) => h('th', { scope: 'col' }, t)))),
    body);
  main.append(h('h1', {}, 'Inbox'), form, count, h('div', { class: 'table-wrap' }, table), live);

  let shown = null;
  let known = null;
  let stopped = false;

  async function load() {
    try {
      const page = await api.get('/api/v1/cases', { ...filters, limit: 100 });
      clearError(form);
      const fingerprint = JSON.stringify(page.items);
      if (fingerprint === shown) return;
      const fresh = known ? page.items.filter((c) => !known.has(c.id)) : [];
      if (fresh.length) live.textContent = `${fresh.length} new case${fresh.length > 1 ? 's' : ''}: ${fresh.map((c) => c.subject).join('; ')}`;
      known = new Set(page.items.map((c) => c.id));
      shown = fingerprint;
      // Lists count up to a cap; total_exact false means "at least this many".
      const more = page.total_exact === false ? '+' : '';
      count.textContent = `${page.total}${more} case${page.total === 1 && !more ? '' : 's'}`;
      clear(body);
      if (!page.items.length) {
        body.append(h('tr', {}, h('td', { colspan: 8 }, 'No cases match these filters.')));
      }
      for (const c of page.items) {
        body.append(h('tr', { class: fresh.includes(c) ? 'fresh' : null, dataset: { caseId: c.id } },
          h('td', {}, h('a', { href: `#/cases/${c.id}` }, c.number)),
          h('td', {}, c.subject),
          h('td', {}, c.channel),
          h('td', {}, c.category ? label(c.category) : '—'),
          h('td', {}, c.sku || '—'),
          h('td', {}, badge(c.state)),
          h('td', {}, c.problem_id ? h('a', { href: `#/problems/${c.problem_id}` }, `#${c.problem_id}`) : '—'),
          h('td', {}, formatTime(c.created_at))));
      }
    } catch (error) {
      showError(form, error);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    for (const key of Object.keys(filters)) filters[key] = form.elements[key].value.trim();
    shown = null;
    known = null;
    load();
  });

  async function poll() {
    if (stopped) return;
    if (document.visibilityState === 'visible') await load();
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  }
  let timer = null;
  load().then(() => {
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  });
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}


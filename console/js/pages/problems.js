// Problems board: one column per lifecycle state, each card with its priority and impact
// (affected now, likely affected next) from GET /api/v1/problems/{id}/impact.

import { api } from '../api.js';
import { h, field, label, notice, submitting, splitList } from '../ui.js';

export const PROBLEM_STATES = ['proposed', 'investigating', 'solution_agreed', 'fix_in_progress',
  'fix_delivered', 'verified', 'recurring', 'closed'];
const CATEGORIES = ['billing', 'product_quality', 'shipping', 'documentation', 'other'];

export async function render(main) {
  const board = h('div', { class: 'board' });
  main.append(h('h1', {}, 'Problems'), createForm(), board);
  let page;
  try {
    page = await api.get('/api/v1/problems', { limit: 200 });
  } catch (error) {
    board.append(notice(error.message, 'error'));
    return;
  }
  const impacts = await Promise.all(page.items.map((p) =>
    api.get(`/api/v1/problems/${p.id}/impact`).catch(() => null)));
  // Within a column the most urgent first: the server's priority score when it has one.
  const score = (impact) => (impact && typeof impact.priority_score === 'number' ? impact.priority_score : 0);
  PROBLEM_STATES.forEach((state) => {
    const items = page.items.map((p, i) => [p, impacts[i]]).filter(([p]) => p.state === state)
      .sort((a, b) => score(b[1]) - score(a[1]));
    board.append(h('section', { class: 'board-column', 'aria-label': `${label(state)}: ${items.length}` },
      h('h2', {}, label(state), h('span', { class: 'count' }, ` ${items.length}`)),
      h('ul', {}, items.map(([p, impact]) => h('li', { class: 'problem-card' },
        h('a', { href: `#/problems/${p.id}` }, `${p.number} · ${p.title}`),
        h('p', { class: 'meta' }, `priority ${p.priority || '—'} · severity ${p.severity ?? '—'}`),
        impact ? h('p', { class: 'impact' },
          `${impact.affected_customers} affected now · ${impact.likely_affected_customers} likely affected`,
          impact.trend ? ` · ${impact.trend.direction}` : '',
          impact.priority_score !== undefined ? ` · priority score ${impact.priority_score}` : '') : null)))));
  });
}

function createForm() {
  const title = h('input', { name: 'title', required: true });
  const category = h('select', { name: 'category' }, CATEGORIES.map((c) => h('option', { value: c }, label(c))));
  const skus = h('input', { name: 'skus', placeholder: 'KT-100, KT-200' });
  const form = h('form', { class: 'card inline', 'aria-label': 'New problem' },
    field('New problem title', title), field('Category', category), field('Products (SKUs)', skus),
    h('button', { type: 'submit' }, 'Create problem'));
  const details = h('details', { class: 'create' }, h('summary', {}, 'New problem'), form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const body = { title: title.value, category: category.value };
      if (skus.value.trim()) body.scope = { skus: splitList(skus.value) };
      const created = await api.post('/api/v1/problems', body);
      window.location.hash = `#/problems/${created.id}`;
    });
  });
  return details;
}

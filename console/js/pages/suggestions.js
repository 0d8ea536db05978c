// Suggestions: candidate problems (and links to known problems) that analytics plugins
// propose, with their evidence; an agent accepts one (the problem is created and the cases
// linked) or dismisses it (it is not proposed again).

import { api, available } from '../api.js';
import { h, appendAll, clear, facts, field, label, notice, plain, submitting, formatTime } from '../ui.js';

export async function render(main) {
  const list = h('div', { class: 'suggestions' });
  main.append(h('h1', {}, 'Suggestions'), list);
  const result = await available('/api/v1/suggestions', { state: 'open', limit: 100 });
  if (!result.ok) {
    list.append(notice(result.missing
      ? 'Suggestions are not available on this server yet (GET /api/v1/suggestions is not served).'
      : result.error.message, result.missing ? 'info' : 'error'));
    return;
  }
  if (!result.data.items.length) {
    list.append(notice('No open suggestions. Analytics plugins propose problems here when alike cases cluster.'));
    return;
  }
  for (const s of result.data.items) list.append(card(s));
}

function evidence(value) {
  if (value && typeof value === 'object' && !Array.isArray(value)) return facts(value);
  return h('p', {}, plain(value) || '—');
}

function card(s) {
  const article = h('article', { class: 'card suggestion', 'aria-labelledby': `s-${s.id}` });
  const title = h('input', { name: 'title', value: s.title || '' });
  const reason = h('input', { name: 'reason' });
  const accept = h('form', { class: 'inline', 'aria-label': `Accept suggestion ${s.id}` },
    s.kind === 'problem' ? field('Problem title', title) : null,
    h('button', { type: 'submit', class: 'primary' }, s.kind === 'link' ? 'Accept: link the cases' : 'Accept: create the problem'));
  const dismiss = h('form', { class: 'inline', 'aria-label': `Dismiss suggestion ${s.id}` },
    field('Why not (optional)', reason), h('button', { type: 'submit' }, 'Dismiss'));
  const outcome = h('div', { 'aria-live': 'polite' });
  accept.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(accept, async () => {
      const overrides = s.kind === 'problem' && title.value && title.value !== s.title ? { title: title.value } : {};
      const done = await api.post(`/api/v1/suggestions/${s.id}/accept`, overrides);
      clear(accept);
      dismiss.remove();
      const problem = done.problem || {};
      outcome.append(notice(`Accepted: ${(done.linked_case_ids || []).length} case(s) linked to `), h('a', { href: `#/problems/${problem.id}` }, problem.number || `problem ${problem.id}`),
        ...(done.not_linked || []).map((n) => h('p', {}, `Case ${n.case_id} not linked: ${n.reason}`)));
    });
  });
  dismiss.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(dismiss, async () => {
      await api.post(`/api/v1/suggestions/${s.id}/dismiss`, reason.value ? { reason: reason.value } : {});
      article.replaceChildren(notice(`Suggestion “${s.title}” dismissed.`));
    });
  });
  appendAll(article,
    h('h2', { id: `s-${s.id}` }, s.title || `Suggestion ${s.id}`),
    h('p', { class: 'meta' }, [s.kind === 'link' ? 'Link to a known problem' : 'New problem', s.category ? label(s.category) : null,
      `${(s.case_ids || []).length} case(s)`, `proposed by ${s.proposed_by || '—'}`, formatTime(s.updated_at || s.created_at)].filter(Boolean).join(' · ')),
    s.case_ids && s.case_ids.length ? h('p', {}, 'Cases: ', ...s.case_ids.map((id, i) => [i ? ', ' : '', h('a', { href: `#/cases/${id}` }, `#${id}`)])) : null,
    plain(s.scope) ? h('p', {}, `Scope: ${plain(s.scope)}`) : null,
    h('h3', {}, 'Evidence'), evidence(s.evidence),
    accept, dismiss, outcome);
  return article;
}

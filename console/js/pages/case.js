// One case: its thread across channels, the customer with their assets and other cases,
// and the agent's actions: reply (delivered through the case's channel by the server),
// change state, link to a problem.

import { api, request, available } from '../api.js';
import { h, appendAll, clear, field, badge, formatTime, label, notice, submitting } from '../ui.js';

const STATES = ['new', 'open', 'pending', 'resolved', 'closed'];

export async function render(main, [id]) {
  const header = h('div');
  const thread = h('ol', { class: 'thread', 'aria-label': 'Conversation' });
  const side = h('aside', { class: 'side', 'aria-label': 'Customer' });
  const actions = h('section', { class: 'actions', 'aria-labelledby': 'actions-title' },
    h('h2', { id: 'actions-title' }, 'Work this case'));
  main.append(h('p', {}, h('a', { href: '#/inbox' }, '← Inbox')), header,
    h('div', { class: 'columns' },
      h('section', { class: 'main-column', 'aria-labelledby': 'thread-title' },
        h('h2', { id: 'thread-title' }, 'Thread'), thread, actions),
      side));

  let current;
  try {
    const loaded = await request('GET', `/api/v1/cases/${id}`);
    current = loaded.data;
  } catch (error) {
    header.append(notice(error.message, 'error'));
    return undefined;
  }

  function showHeader() {
    appendAll(clear(header),
      h('h1', {}, `${current.number} · ${current.subject}`),
      h('p', { class: 'meta' }, badge(current.state), ` ${current.channel}`, current.category ? ` · ${label(current.category)}` : '',
        current.sku ? ` · ${current.sku}` : '', current.batch ? ` (batch ${current.batch})` : '',
        ` · received ${formatTime(current.created_at)}`,
        current.problem_id ? h('span', {}, ' · problem ', h('a', { href: `#/problems/${current.problem_id}` }, `#${current.problem_id}`)) : ''),
      current.description ? h('p', { class: 'description' }, current.description) : null);
  }

  async function loadThread() {
    try {
      const page = await api.get(`/api/v1/cases/${id}/messages`, { limit: 200 });
      clear(thread);
      const items = [...page.items].sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id));
      for (const m of items) {
        thread.append(h('li', { class: `message ${m.direction}` },
          h('p', { class: 'meta' }, `${m.direction === 'inbound' ? 'From' : 'To'} customer · ${m.channel || current.channel} · ${m.author || ''} · ${formatTime(m.created_at)}`,
            m.delivery_state ? h('span', { class: `delivery delivery-${m.delivery_state}` }, ` · ${label(m.delivery_state)}`) : null),
          h('p', { class: 'body' }, m.body),
          m.attributes && m.attributes.delivery_error ? h('p', { class: 'delivery-error' }, m.attributes.delivery_error) : null));
      }
      if (!items.length) thread.append(h('li', {}, 'No messages yet.'));
    } catch (error) {
      clear(thread).append(h('li', {}, notice(error.message, 'error')));
    }
  }

  // Reply
  const replyBody = h('textarea', { name: 'body', rows: 4, required: true });
  const reply = h('form', { class: 'card', 'aria-label': 'Reply' },
    field('Reply to the customer', replyBody, 'Sent through the case\'s channel, or the customer\'s e-mail or SMS when that channel cannot reply.'),
    h('button', { type: 'submit', class: 'primary' }, 'Send reply'));
  reply.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(reply, async () => {
      await api.post(`/api/v1/cases/${id}/messages`, { body: replyBody.value, direction: 'outbound' });
      replyBody.value = '';
      await loadThread();
    });
  });

  // State
  const stateSelect = h('select', { name: 'state' });
  const stateForm = h('form', { class: 'card inline', 'aria-label': 'Change state' },
    field('New state', stateSelect), h('button', { type: 'submit' }, 'Change state'));
  function fillStates() {
    clear(stateSelect).append(...STATES.filter((s) => s !== current.state)
      .map((s) => h('option', { value: s }, label(s))));
  }
  stateForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(stateForm, async () => {
      current = await api.post(`/api/v1/cases/${id}/transition`, { state: stateSelect.value },
        { revision: current.revision });
      showHeader();
      fillStates();
    });
  });

  // Problem link
  const problemSelect = h('select', { name: 'problem_id' });
  const linkForm = h('form', { class: 'card inline', 'aria-label': 'Link to a problem' },
    field('Problem', problemSelect),
    h('button', { type: 'submit' }, 'Link to problem'));
  linkForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(linkForm, async () => {
      const moving = current.problem_id && String(current.problem_id) !== problemSelect.value;
      const result = await api.post(`/api/v1/problems/${problemSelect.value}/cases`,
        { case_id: Number(id), move: Boolean(moving) });
      current = result.case || current;
      showHeader();
    });
  });
  api.get('/api/v1/problems', { limit: 200 }).then((page) => {
    const open = page.items.filter((p) => p.state !== 'closed');
    problemSelect.append(...open.map((p) => h('option', { value: p.id, selected: p.id === current.problem_id },
      `${p.number} · ${p.title} (${label(p.state)})`)));
    if (!open.length) {
      problemSelect.append(h('option', { value: '' }, 'no open problems'));
      linkForm.querySelector('button').disabled = true;
    }
  }).catch((error) => linkForm.append(notice(error.message, 'error')));

  // An analytics plugin may have proposed a problem (or a known one) for this case.
  const suggested = h('div', { class: 'suggested' });
  available('/api/v1/suggestions', { state: 'open', limit: 200 }).then((result) => {
    if (!result.ok) return;
    for (const s of result.data.items.filter((item) => (item.case_ids || []).includes(Number(id)))) {
      const accept = h('form', { class: 'card inline', 'aria-label': `Suggestion: ${s.title}` },
        h('p', {}, `Suggested ${s.kind === 'link' ? 'problem' : 'new problem'}: `, h('strong', {}, s.title),
          ` (${(s.case_ids || []).length} alike cases)`),
        h('button', { type: 'submit' }, 'Accept suggestion'));
      accept.addEventListener('submit', (event) => {
        event.preventDefault();
        submitting(accept, async () => {
          await api.post(`/api/v1/suggestions/${s.id}/accept`, {});
          current = await api.get(`/api/v1/cases/${id}`);
          showHeader();
          accept.replaceChildren(notice(`Accepted: this case is now part of ${current.problem_id ? `problem #${current.problem_id}` : 'the problem'}.`));
        });
      });
      suggested.append(accept);
    }
  });

  actions.append(reply, stateForm, linkForm, suggested);
  showHeader();
  fillStates();
  await loadThread();
  await renderCustomer(side, current);
  return undefined;
}

async function renderCustomer(side, current) {
  try {
    const [customer, assets, cases] = await Promise.all([
      api.get(`/api/v1/customers/${current.customer_id}`),
      api.get(`/api/v1/customers/${current.customer_id}/assets`, { limit: 100 }),
      api.get('/api/v1/cases', { customer_id: current.customer_id, limit: 50 }),
    ]);
    side.append(
      h('h2', {}, customer.name || customer.email || customer.phone || `Customer ${customer.id}`),
      h('dl', { class: 'facts' },
        h('dt', {}, 'E-mail'), h('dd', {}, customer.email || '—'),
        h('dt', {}, 'Phone'), h('dd', {}, customer.phone || '—'),
        h('dt', {}, 'Region'), h('dd', {}, customer.region || '—'),
        h('dt', {}, 'Tier'), h('dd', {}, customer.tier || '—'),
        h('dt', {}, 'Prefers'), h('dd', {}, customer.preferred_channel || '—')),
      h('h3', {}, `Products (${assets.total ?? assets.items.length}${assets.total_exact === false ? '+' : ''})`),
      assets.items.length
        ? h('ul', { class: 'compact' }, assets.items.map((a) => h('li', {},
          `${a.sku}${a.batch ? ` · batch ${a.batch}` : ''}${a.purchase_date ? ` · bought ${a.purchase_date}` : ''}`)))
        : h('p', {}, 'No registered products.'),
      h('h3', {}, 'Other cases'),
      h('ul', { class: 'compact' }, cases.items.filter((c) => c.id !== current.id).map((c) => h('li', {},
        h('a', { href: `#/cases/${c.id}` }, c.number), ` ${c.subject} `, badge(c.state)))));
    if (cases.items.length <= 1) side.append(h('p', {}, 'None.'));
  } catch (error) {
    side.append(notice(error.message, 'error'));
  }
}

// Admin (admin tokens only; the API refuses others too): plugins with their load errors,
// departments and their connectors, tokens (the secret is shown once), and outbox items
// that died, with retry.

import { api, available } from '../api.js';
import { h, clear, field, badge, formatTime, label, notice, submitting } from '../ui.js';

export async function render(main) {
  const plugins = h('section', { 'aria-labelledby': 'plugins-title' }, h('h2', { id: 'plugins-title' }, 'Plugins'));
  const departments = h('section', { 'aria-labelledby': 'departments-title' }, h('h2', { id: 'departments-title' }, 'Departments'));
  const tokens = h('section', { 'aria-labelledby': 'tokens-title' }, h('h2', { id: 'tokens-title' }, 'Tokens'));
  const outbox = h('section', { 'aria-labelledby': 'outbox-title' }, h('h2', { id: 'outbox-title' }, 'Dead letters'));
  main.append(h('h1', {}, 'Admin'), plugins, departments, tokens, outbox);
  await Promise.all([renderPlugins(plugins), renderDepartments(departments), renderTokens(tokens), renderOutbox(outbox)]);
}

function table(headers, rows, attributes = {}) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'list', ...attributes },
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows)));
}

async function renderPlugins(section) {
  try {
    const data = await api.get('/api/v1/plugins');
    const items = data.items || data;
    section.append(table(['Instance', 'Plugin', 'Kind', 'Version', 'State', 'Load error'],
      items.map((p) => h('tr', {},
        h('td', {}, p.instance), h('td', {}, p.plugin), h('td', {}, p.kind), h('td', {}, p.version || '—'),
        h('td', {}, badge(p.state)),
        h('td', {}, p.error ? `${p.stage ? `${p.stage}: ` : ''}${p.error}` : '—'))),
      { id: 'plugins-table' }));
  } catch (error) {
    section.append(notice(error.message, 'error'));
  }
}

async function renderDepartments(section) {
  const body = h('tbody');
  async function load() {
    const page = await api.get('/api/v1/departments', { limit: 200 });
    clear(body).append(...page.items.map((d) => h('tr', {},
      h('td', {}, d.name), h('td', {}, d.connector_instance || '—'), h('td', {}, d.ola_hours ?? '—'))));
    if (!page.items.length) body.append(h('tr', {}, h('td', { colspan: 3 }, 'No departments yet.')));
  }
  const name = h('input', { name: 'name', required: true });
  const connector = h('input', { name: 'connector_instance' });
  const ola = h('input', { name: 'ola_hours', type: 'number', min: 1 });
  const form = h('form', { class: 'card inline', 'aria-label': 'New department' },
    field('Name', name), field('Connector instance', connector, 'A connector plugin instance from the server config'),
    field('OLA hours', ola), h('button', { type: 'submit' }, 'Add department'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const department = { name: name.value };
      if (connector.value) department.connector_instance = connector.value;
      if (ola.value) department.ola_hours = Number(ola.value);
      await api.post('/api/v1/departments', department);
      name.value = '';
      connector.value = '';
      ola.value = '';
      await load();
    });
  });
  section.append(h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
    h('thead', {}, h('tr', {}, ['Name', 'Connector', 'OLA hours'].map((t) => h('th', { scope: 'col' }, t)))), body)), form);
  await load().catch((error) => section.append(notice(error.message, 'error')));
}

async function renderTokens(section) {
  const body = h('tbody');
  const secretBox = h('div', { 'aria-live': 'polite' });
  async function load() {
    const page = await api.get('/api/v1/tokens', { limit: 200 });
    const items = page.items || page;
    clear(body).append(...items.map((t) => {
      const revoke = h('button', { type: 'button', 'aria-label': `Revoke token ${t.name}` }, 'Revoke');
      const cell = h('td', {}, t.revoked_at ? `revoked ${formatTime(t.revoked_at)}` : revoke);
      revoke.addEventListener('click', async () => {
        if (!window.confirm(`Revoke token “${t.name}”? Whoever uses it is signed out at once.`)) return;
        revoke.disabled = true;
        try {
          await api.del(`/api/v1/tokens/${t.id}`);
          await load();
        } catch (error) {
          cell.append(notice(error.message, 'error'));
          revoke.disabled = false;
        }
      });
      return h('tr', {}, h('td', {}, t.name), h('td', {}, t.role), h('td', {}, formatTime(t.created_at)),
        h('td', {}, formatTime(t.last_used_at)), cell);
    }));
  }
  const name = h('input', { name: 'name', required: true });
  const role = h('select', { name: 'role' }, ['agent', 'admin', 'department', 'ingest'].map((r) => h('option', { value: r }, r)));
  const departmentId = h('input', { name: 'department_id', type: 'number', min: 1 });
  const form = h('form', { class: 'card inline', 'aria-label': 'New token' },
    field('Name', name), field('Role', role), field('Department id (department role)', departmentId),
    h('button', { type: 'submit' }, 'Create token'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const request = { name: name.value, role: role.value };
      if (departmentId.value) request.department_id = Number(departmentId.value);
      const created = await api.post('/api/v1/tokens', request);
      name.value = '';
      const secret = h('output', { class: 'secret', id: 'new-token-secret' }, created.secret);
      const copy = h('button', { type: 'button' }, 'Copy');
      copy.addEventListener('click', () => navigator.clipboard?.writeText(created.secret));
      clear(secretBox).append(h('div', { class: 'notice notice-info', role: 'status' },
        h('p', {}, `Token “${created.name}” (${created.role}) created. Copy it now: it is not shown again.`),
        secret, ' ', copy));
      await load();
    });
  });
  section.append(secretBox, h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'tokens-table' },
    h('thead', {}, h('tr', {}, ['Name', 'Role', 'Created', 'Last used', ''].map((t) => h('th', { scope: 'col' }, t)))), body)), form);
  await load().catch((error) => section.append(notice(error.message, 'error')));
}

async function renderOutbox(section) {
  const result = await available('/api/v1/outbox', { state: 'dead', limit: 100 });
  if (!result.ok) {
    section.append(notice(result.missing
      ? 'The outbox is not browsable on this server yet (GET /api/v1/outbox is not served).'
      : result.error.message, result.missing ? 'info' : 'error'));
    return;
  }
  const items = result.data.items || [];
  if (!items.length) {
    section.append(h('p', {}, 'No dead items: every piece of outgoing work was delivered or is still being tried.'));
    return;
  }
  section.append(table(['Item', 'Operation', 'Target', 'Attempts', 'Last error', ''], items.map((item) => {
    const retry = h('button', { type: 'button' }, 'Retry');
    const cell = h('td', {}, retry);
    retry.addEventListener('click', async () => {
      retry.disabled = true;
      try {
        await api.post(`/api/v1/outbox/${item.id}/retry`, {});
        cell.replaceChildren('queued again');
      } catch (error) {
        cell.append(notice(error.message, 'error'));
        retry.disabled = false;
      }
    });
    return h('tr', {}, h('td', {}, `#${item.id}`), h('td', {}, label(item.operation)), h('td', {}, item.target),
      h('td', {}, item.attempts ?? '—'), h('td', {}, item.last_error || item.error || '—'), cell);
  })));
}

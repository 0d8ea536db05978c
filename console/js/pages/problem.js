// One problem: impact, the affected-scope editor with the count of customers in scope,
// root cause and details, state, linked cases, solution, the evidence timeline, and the
// department tasks and campaign when the server offers them.

import { api, available } from '../api.js';
import { h, clear, field, badge, facts, formatTime, label, notice, submitting, splitList } from '../ui.js';
import { PROBLEM_STATES } from './problems.js';
import { figure } from '../charts.js';

const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const SEVERITIES = ['minor', 'major', 'critical'];
const SOLUTION_TYPES = ['knowledge_article', 'workaround', 'process_change', 'product_change', 'recall', 'refund'];

export async function render(main, [id]) {
  let problem;
  try {
    problem = await api.get(`/api/v1/problems/${id}`);
  } catch (error) {
    main.append(notice(error.message, 'error'));
    return;
  }
  const header = h('div');
  const impactBox = h('dl', { class: 'impact-figures', 'aria-live': 'polite', id: 'impact' });
  const trendBox = h('div', { class: 'charts' });
  const scopeHint = h('p', { class: 'hint' });
  const charts = [];
  main.append(h('p', {}, h('a', { href: '#/problems' }, '← Problems')), header,
    h('section', { 'aria-labelledby': 'impact-title' }, h('h2', { id: 'impact-title' }, 'Impact'), impactBox, scopeHint, trendBox));

  function showHeader() {
    const chosen = stateSelect.value;
    clear(stateSelect).append(...PROBLEM_STATES.filter((s) => s !== problem.state)
      .map((s) => h('option', { value: s, selected: s === chosen }, label(s))));
    clear(header).append(h('h1', {}, `${problem.number} · ${problem.title}`),
      h('p', { class: 'meta' }, badge(problem.state), ` ${label(problem.category)} · priority ${problem.priority || '—'} · severity ${problem.severity ?? '—'} · opened ${formatTime(problem.created_at)}`));
  }

  async function loadImpact() {
    try {
      const impact = await api.get(`/api/v1/problems/${id}/impact`);
      const figures = [
        ['Linked cases', impact.linked_cases, 'linked-cases'],
        ['Affected customers (with a case)', impact.affected_customers, 'affected-customers'],
        ['Customers in scope', impact.in_scope_customers, 'in-scope-customers'],
        ['Products in scope', impact.in_scope_assets, 'in-scope-assets'],
        ['Likely affected (in scope, no case yet)', impact.likely_affected_customers, 'likely-affected'],
      ];
      if (impact.trend) {
        figures.push(['Trend (last 7 days against the 7 before)', `${impact.trend.direction}: ${impact.trend.contacts_last_7_days} vs ${impact.trend.contacts_previous_7_days}`, 'trend']);
      }
      if (impact.priority_score !== undefined) figures.push(['Priority score', impact.priority_score, 'priority-score']);
      clear(impactBox).append(...figures.map(([text, value, key]) =>
        h('div', { class: 'figure' }, h('dt', {}, text), h('dd', { dataset: { figure: key } }, String(value)))));
      showTrend(impact);
      scopeHint.textContent = impact.scope_defined ? '' : 'No scope yet: set products, batches, regions or a purchase window below to size who is affected.';
    } catch (error) {
      clear(impactBox).append(notice(error.message, 'error'));
    }
  }

  // Contacts per day for this problem, split at the day its fix was delivered, so a fix that
  // worked shows as a drop.
  function showTrend(impact) {
    charts.splice(0).forEach((c) => c.destroy());
    trendBox.replaceChildren();
    const daily = impact.trend && impact.trend.daily;
    if (!Array.isArray(daily)) return;
    const fixDay = problem.fix_delivered_at ? problem.fix_delivered_at.slice(0, 10) : null;
    const before = daily.map((d) => (!fixDay || d.date < fixDay ? d.contacts : null));
    const after = daily.map((d) => (fixDay && d.date >= fixDay ? d.contacts : null));
    const datasets = [{ label: fixDay ? 'before the fix' : 'contacts', data: before }];
    if (fixDay) datasets.push({ label: 'after the fix', data: after });
    figure(trendBox, charts, 'problem-contacts', 'Contacts per day about this problem', 'bar',
      daily.map((d) => d.date), datasets);
  }

  // Scope editor
  const scope = problem.scope || {};
  const skus = h('input', { name: 'skus', value: (scope.skus || []).join(', ') });
  const batches = h('input', { name: 'batches', value: (scope.batches || []).join(', ') });
  const regions = h('input', { name: 'regions', value: (scope.regions || []).join(', ') });
  const from = h('input', { name: 'purchase_from', type: 'date', value: scope.purchase_from || '' });
  const to = h('input', { name: 'purchase_to', type: 'date', value: scope.purchase_to || '' });
  const scopeForm = h('form', { class: 'card', 'aria-labelledby': 'scope-title' },
    h('h2', { id: 'scope-title' }, 'Affected scope'),
    h('div', { class: 'grid' },
      field('Products (SKUs, comma-separated)', skus), field('Batches', batches),
      field('Regions', regions), field('Bought from', from), field('Bought until', to)),
    h('button', { type: 'submit', class: 'primary' }, 'Save scope and recount'));
  scopeForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(scopeForm, async () => {
      const next = { skus: splitList(skus.value), batches: splitList(batches.value), regions: splitList(regions.value) };
      if (from.value) next.purchase_from = from.value;
      if (to.value) next.purchase_to = to.value;
      problem = await api.patch(`/api/v1/problems/${id}`, { scope: next }, { revision: problem.revision });
      await loadImpact();
    });
  });

  // Details: root cause, priority, department
  const rootCause = h('textarea', { name: 'root_cause', rows: 3 }, problem.root_cause || '');
  const priority = h('select', { name: 'priority' }, PRIORITIES.map((p) => h('option', { value: p, selected: p === problem.priority }, p)));
  const severity = h('select', { name: 'severity' }, SEVERITIES.map((s) => h('option', { value: s, selected: s === problem.severity }, s)));
  const department = h('select', { name: 'department_id' }, h('option', { value: '' }, 'none'));
  const detailsForm = h('form', { class: 'card', 'aria-labelledby': 'details-title' },
    h('h2', { id: 'details-title' }, 'Root cause and ownership'),
    field('Root cause', rootCause),
    h('div', { class: 'grid' }, field('Priority', priority), field('Severity', severity), field('Owning department', department)),
    h('button', { type: 'submit' }, 'Save'));
  api.get('/api/v1/departments', { limit: 200 }).then((page) => department.append(
    ...page.items.map((d) => h('option', { value: d.id, selected: d.id === problem.department_id }, d.name))))
    .catch((error) => detailsForm.append(notice(error.message, 'error')));
  detailsForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(detailsForm, async () => {
      const body = { root_cause: rootCause.value, priority: priority.value, severity: severity.value };
      if (department.value) body.department_id = Number(department.value);
      problem = await api.patch(`/api/v1/problems/${id}`, body, { revision: problem.revision });
      showHeader();
    });
  });

  // State
  const stateSelect = h('select', { name: 'state' });
  const stateForm = h('form', { class: 'card inline', 'aria-label': 'Change problem state' },
    field('New state', stateSelect), h('button', { type: 'submit' }, 'Change state'));
  stateForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(stateForm, async () => {
      problem = await api.post(`/api/v1/problems/${id}/transition`, { state: stateSelect.value }, { revision: problem.revision });
      showHeader();
    });
  });

  // Solution
  const solutionType = h('select', { name: 'type' }, SOLUTION_TYPES.map((t) => h('option', { value: t }, label(t))));
  const summary = h('input', { name: 'summary', required: true });
  const customerMessage = h('textarea', { name: 'customer_message', rows: 3 });
  const solutionForm = h('form', { class: 'card', 'aria-labelledby': 'solution-title' },
    h('h2', { id: 'solution-title' }, 'Solution'),
    h('div', { class: 'grid' }, field('Type', solutionType), field('Summary', summary)),
    field('Message to customers', customerMessage),
    h('button', { type: 'submit' }, 'Save solution'));
  api.get(`/api/v1/problems/${id}/solution`).then((s) => {
    solutionType.value = s.type;
    summary.value = s.summary || '';
    customerMessage.value = s.customer_message || '';
  }).catch(() => {});
  solutionForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(solutionForm, async () => {
      const body = { type: solutionType.value, summary: summary.value };
      if (customerMessage.value) body.customer_message = customerMessage.value;
      await api.put(`/api/v1/problems/${id}/solution`, body);
      solutionForm.append(notice('Solution saved.'));
    });
  });

  const cases = h('section', { 'aria-labelledby': 'cases-title' }, h('h2', { id: 'cases-title' }, 'Linked cases'));
  const evidence = h('section', { 'aria-labelledby': 'evidence-title' }, h('h2', { id: 'evidence-title' }, 'Timeline and evidence'));
  const tasks = h('section', { 'aria-labelledby': 'tasks-title' }, h('h2', { id: 'tasks-title' }, 'Department tasks'));
  const campaign = h('section', { 'aria-labelledby': 'campaign-title' }, h('h2', { id: 'campaign-title' }, 'Customer notices'));

  const campaignView = new CampaignView(campaign, id);
  main.append(h('div', { class: 'columns' },
    h('div', { class: 'main-column' }, scopeForm, detailsForm, stateForm, solutionForm),
    h('div', { class: 'side' }, cases, tasks, campaign, evidence)));
  showHeader();
  await Promise.all([loadImpact(), loadCases(cases, id), loadEvidence(evidence, id),
    loadOptional(tasks, `/api/v1/problems/${id}/tasks`, (section, data) => renderTasks(section, data, id, async () => {
      problem = await api.get(`/api/v1/problems/${id}`);
      showHeader();
      campaignView.expect();
    }), 'Department tasks'),
    campaignView.load()]);
  return () => {
    charts.forEach((c) => c.destroy());
    campaignView.stop();
  };
}

async function loadCases(section, id) {
  try {
    const page = await api.get('/api/v1/cases', { problem_id: id, limit: 200 });
    section.append(page.items.length ? h('ul', { class: 'compact' }, page.items.map((c) => h('li', {},
      h('a', { href: `#/cases/${c.id}` }, c.number), ` ${c.subject} `, badge(c.state))))
      : h('p', {}, 'No cases linked yet. Link one from its case page.'));
  } catch (error) {
    section.append(notice(error.message, 'error'));
  }
}

async function loadEvidence(section, id) {
  // What analytics found: the suggestions that proposed this problem or linked cases to it.
  const suggestions = await available('/api/v1/suggestions', { problem_id: id, limit: 20 });
  if (suggestions.ok) {
    for (const s of suggestions.data.items) {
      section.append(h('div', { class: 'card' },
        h('p', {}, h('strong', {}, s.title || `Suggestion ${s.id}`), ` · ${label(s.state)} · proposed by ${s.proposed_by || '—'}`),
        facts(s.evidence)));
    }
  }
  try {
    const page = await api.get(`/api/v1/problems/${id}/events`, { limit: 50 });
    section.append(h('ol', { class: 'compact' }, page.items.map((e) => h('li', {},
      `${formatTime(e.at)} · ${label(e.type)} · ${e.actor || ''}`))));
  } catch (error) {
    section.append(notice(error.message, 'error'));
  }
}

// Tasks and campaigns come with the connector and notifier work; until the server has
// their routes the section says so instead of showing made-up data.
async function loadOptional(section, path, show, what) {
  const result = await available(path);
  if (result.ok) show(section, result.data);
  else if (result.missing) section.append(notice(`${what} are not available on this server yet (${path} is not served).`));
  else section.append(notice(result.error.message, 'error'));
}

// agreed: called after the solution was agreed (the fix may now be delivered).
function renderTasks(section, data, problemId, agreed) {
  const list = h('ul', { class: 'compact', id: 'task-list' });
  function show(items) {
    const now = Date.now();
    list.replaceChildren(...items.map((t) => {
      const overdue = t.overdue || (t.due_at && new Date(t.due_at).getTime() < now && !['done', 'rejected'].includes(t.status));
      return h('li', { class: overdue ? 'overdue' : null },
        `${t.number || ''} ${t.title} · `, badge(t.status), ` · due ${formatTime(t.due_at)}`,
        overdue ? h('strong', {}, ' · overdue') : null,
        t.external_url ? h('span', {}, ' · ', h('a', { href: t.external_url, rel: 'noreferrer' }, t.external_ref || 'in the department\'s system')) : null,
        t.push_error ? h('p', { class: 'delivery-error' }, t.push_error) : null);
    }));
    if (!items.length) list.append(h('li', {}, 'No tasks routed to a department yet.'));
  }
  show(data.items || []);

  const department = h('select', { name: 'department_id' });
  const title = h('input', { name: 'title', required: true });
  const due = h('input', { name: 'due_at', type: 'datetime-local' });
  const form = h('form', { class: 'card', 'aria-label': 'Route a task to a department' },
    field('Department', department), field('Task', title), field('Due', due),
    h('button', { type: 'submit' }, 'Route task'));
  api.get('/api/v1/departments', { limit: 200 }).then((page) => department.append(
    ...page.items.map((d) => h('option', { value: d.id }, `${d.name}${d.connector_instance ? ` (${d.connector_instance})` : ''}`))))
    .catch((error) => form.append(notice(error.message, 'error')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const body = { department_id: Number(department.value), title: title.value };
      if (due.value) body.due_at = new Date(due.value).toISOString().replace(/\.\d{3}Z$/, 'Z');
      await api.post(`/api/v1/problems/${problemId}/tasks`, body);
      title.value = '';
      show((await api.get(`/api/v1/problems/${problemId}/tasks`)).items || []);
    });
  });
  const agree = h('form', { class: 'inline', 'aria-label': 'Agree the solution' },
    h('button', { type: 'submit' }, 'Agree solution (delivers the fix once every task is done)'));
  agree.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(agree, async () => {
      await api.post(`/api/v1/problems/${problemId}/solution/agree`, {});
      agree.append(notice('Solution agreed.'));
      await agreed();
    });
  });
  section.append(list, form, agree);
}

// Customer notices: the campaign's progress per channel and notification state (refreshed
// every few seconds while it runs), pause and resume, a manual start, and a preview of who
// would be told what.
const NOTIFICATION_STATES = ['pending', 'sent', 'delivered', 'failed', 'acknowledged'];
const CAMPAIGN_POLL_MS = 3000;

class CampaignView {
  constructor(section, problemId) {
    this.section = section;
    this.path = `/api/v1/problems/${problemId}/campaign`;
    this.body = h('div', { 'aria-live': 'polite' });
    this.timer = null;
    this.stopped = false;
    this.waiting = 0;
  }

  async load() {
    const result = await available(this.path);
    if (result.missing) {
      this.section.append(notice(`Campaigns are not available on this server yet (${this.path} is not served).`));
      return;
    }
    this.section.append(this.body, this.previewPanel());
    this.show(result);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  // A delivered fix starts the campaign in the background: look until it appears.
  async expect() {
    this.waiting = 20;  // polls, about a minute: longer means tasks still hold the fix back
    clearTimeout(this.timer);
    this.show(await available(this.path));
  }

  follow() {
    if (this.stopped) return;
    this.timer = setTimeout(async () => this.show(await available(this.path)), CAMPAIGN_POLL_MS);
  }

  show(result) {
    clear(this.body);
    if (!result.ok && result.error.status === 404) {
      this.body.append(h('p', {}, 'No campaign yet: customers are told when the fix is delivered, or start it now.'),
        this.actionForm('Start campaign now', 'POST', this.path));
      if (this.waiting > 0) {
        this.waiting -= 1;
        this.follow();
      }
      return;
    }
    if (!result.ok) {
      this.body.append(notice(result.error.message, 'error'));
      if (this.waiting > 0) {
        this.waiting -= 1;
        this.follow();
      }
      return;
    }
    this.waiting = 0;
    const data = result.data;
    const byChannel = (data.counts && data.counts.by_channel) || {};
    const byKind = (data.counts && data.counts.by_kind) || {};
    this.body.append(
      h('p', { id: 'campaign-state' }, 'Campaign ', badge(data.state || 'unknown'),
        data.trigger ? ` · started ${label(data.trigger)}` : '',
        Object.keys(byKind).length ? ` · ${Object.entries(byKind).map(([kind, states]) =>
          `${Object.values(states).reduce((a, b) => a + b, 0)} ${label(kind)}`).join(', ')}` : ''),
      h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'campaign-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Channel'), NOTIFICATION_STATES.map((s) => h('th', { scope: 'col' }, label(s))))),
        h('tbody', {}, Object.entries(byChannel).map(([name, states]) => h('tr', {},
          h('th', { scope: 'row' }, name), NOTIFICATION_STATES.map((s) => h('td', { dataset: { state: s } }, String(states[s] ?? 0)))))))));
    if (data.state === 'running') this.body.append(this.actionForm('Pause campaign', 'POST', `${this.path}/pause`));
    if (data.state === 'paused') this.body.append(this.actionForm('Resume campaign', 'POST', `${this.path}/resume`));
    if (data.state === 'running') this.follow();
  }

  actionForm(text, method, path) {
    const form = h('form', { class: 'inline', 'aria-label': text }, h('button', { type: 'submit' }, text));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      submitting(form, async () => {
        await api.post(path, {});
        clearTimeout(this.timer);
        this.show(await available(this.path));
      });
    });
    return form;
  }

  previewPanel() {
    const output = h('div');
    const details = h('details', { class: 'card' }, h('summary', {}, 'Preview who would be told what'), output);
    details.addEventListener('toggle', async () => {
      if (!details.open) return;
      clear(output).append(h('p', {}, 'Counting…'));
      try {
        const preview = await api.get(`${this.path}/preview`, { samples: 2 });
        const rows = Object.entries(preview.counts || {}).flatMap(([kind, channels]) =>
          Object.entries(channels).map(([channel, n]) => h('tr', {}, h('td', {}, label(kind)), h('td', {}, channel), h('td', {}, String(n)))));
        clear(output).append(
          h('table', { class: 'list', id: 'campaign-preview' },
            h('thead', {}, h('tr', {}, ['Kind', 'Channel', 'Customers'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 3 }, 'Nobody to tell yet.')))),
          h('p', {}, `${preview.unreachable ?? 0} cannot be reached · ${preview.skipped_opt_out ?? 0} opted out` +
            (preview.broadcast && preview.broadcast.length ? ` · also published on ${preview.broadcast.join(', ')}` : '')),
          ...Object.entries(preview.samples || {}).flatMap(([kind, list]) => list.map((m) => h('div', { class: 'message outbound' },
            h('p', { class: 'meta' }, `${label(kind)} to ${m.address || `customer ${m.customer_id}`} via ${m.channel}`),
            m.subject ? h('p', {}, h('strong', {}, m.subject)) : null,
            h('p', { class: 'body' }, m.text)))));
      } catch (error) {
        clear(output).append(notice(error.message, 'error'));
      }
    });
    return details;
  }
}

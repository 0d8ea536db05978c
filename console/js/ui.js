// Small DOM helpers shared by the pages: element building, error display next to the
// control that caused it, dates and labels.

// h('button', {type: 'submit', onclick}, 'Save') → element. Text children are escaped.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2), value);
    } else if (key === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (value === true) {
      element.setAttribute(key, '');
    } else {
      element.setAttribute(key, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// element.append() without the "null" text that DOM append makes of absent children.
export function appendAll(element, ...children) {
  element.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return element;
}

export function clear(element) {
  while (element.firstChild) element.firstChild.remove();
  return element;
}

// Shows error in the form's alert area (created on first use) and marks the input that the
// server's problem+json `field` names. What the person typed stays in the form.
export function showError(form, error) {
  let alert = form.querySelector(':scope > .form-error');
  if (!alert) {
    alert = h('p', { class: 'form-error', role: 'alert' });
    form.prepend(alert);
  }
  alert.textContent = error.message;
  for (const marked of form.querySelectorAll('[aria-invalid="true"]')) marked.removeAttribute('aria-invalid');
  const name = (error.field || '').split('/').filter(Boolean).pop();
  const input = name ? form.querySelector(`[name="${CSS.escape(name)}"]`) : null;
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', ensureId(alert));
    input.focus();
  }
}

export function clearError(form) {
  form.querySelector(':scope > .form-error')?.remove();
  for (const marked of form.querySelectorAll('[aria-invalid="true"]')) marked.removeAttribute('aria-invalid');
}

let nextId = 0;
function ensureId(element) {
  if (!element.id) element.id = `el-${++nextId}`;
  return element.id;
}

// A section-level message (load failures, features the server does not offer yet).
export function notice(text, kind = 'info') {
  return h('p', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

export function formatTime(value) {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function label(value) {
  return String(value ?? '').replaceAll('_', ' ');
}

export function badge(state) {
  return h('span', { class: `badge state-${state}` }, label(state));
}

// A labelled field: <label for>…</label> + control, wrapped for layout.
export function field(text, control, hint) {
  if (!control.id) control.id = `f-${++nextId}`;
  return h('div', { class: 'field' }, h('label', { for: control.id }, text), control,
    hint ? h('small', {}, hint) : null);
}

// Runs fn with the submit button disabled; errors go next to the form.
export async function submitting(form, fn) {
  const buttons = form.querySelectorAll('button');
  buttons.forEach((b) => (b.disabled = true));
  clearError(form);
  try {
    return await fn();
  } catch (error) {
    showError(form, error);
    return undefined;
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

function isEmpty(value) {
  return value === null || value === undefined || value === '' ||
    (Array.isArray(value) && !value.length) || (typeof value === 'object' && !Object.keys(value).length);
}

// A value as words: lists joined, small objects as "key: value" pairs, long fractions cut.
export function plain(value) {
  if (typeof value === 'number') return String(Number.isInteger(value) ? value : Math.round(value * 1000) / 1000);
  if (Array.isArray(value)) return value.map(plain).join(', ');
  if (value && typeof value === 'object') {
    return Object.entries(value).filter(([, v]) => !isEmpty(v)).map(([k, v]) => `${label(k)}: ${plain(v)}`).join('; ');
  }
  return String(value ?? '');
}

// A plain object as a definition list (evidence, attributes), leaving out empty entries.
export function facts(object) {
  if (!object || typeof object !== 'object') return null;
  return h('dl', { class: 'facts' }, Object.entries(object).filter(([, v]) => !isEmpty(v)).flatMap(([k, v]) =>
    [h('dt', {}, label(k)), h('dd', {}, plain(v))]));
}

export function splitList(text) {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

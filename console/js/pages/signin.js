// Sign in with a token: GET /api/v1/me tells its role. The token stays in this tab's
// session storage only, so closing the tab signs out.

import { request, session, ApiError } from '../api.js';
import { h, field, submitting, notice } from '../ui.js';

const CONSOLE_ROLES = ['admin', 'agent'];

export function render(main) {
  const reason = sessionStorage.getItem('cxloop.signin-reason');
  sessionStorage.removeItem('cxloop.signin-reason');
  const token = h('input', {
    type: 'password', name: 'token', autocomplete: 'current-password', required: true,
    spellcheck: 'false',
  });
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in'),
    reason ? notice(reason, 'error') : null,
    field('Token', token, 'An admin or agent token, e.g. from cxloopctl token create --role agent --name you'),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const secret = token.value.trim();
      const { data: me } = await request('GET', '/api/v1/me', { token: secret }).catch((error) => {
        if (error.status === 401) {
          throw new ApiError(401, '', 'token', '/api/v1/me');
        }
        throw error;
      });
      if (!CONSOLE_ROLES.includes(me.role)) {
        throw Object.assign(new Error(
          `This token's role is ${me.role}; the console is for admin and agent tokens.`), { field: 'token' });
      }
      session.save(secret, me);
      const next = sessionStorage.getItem('cxloop.after-signin') || '/inbox';
      sessionStorage.removeItem('cxloop.after-signin');
      window.location.hash = `#${next === '/signin' ? '/inbox' : next}`;
    });
  });
  main.append(form);
  token.focus();
}

// The console shell: sign-in state, the hash router (#/inbox, #/cases/12, ...), the
// navigation and the role shown. Each page module exports render(main, params) and may
// return a function that stops what it started (polling, charts) when the page is left.

import { session } from './api.js';
import { clear, notice } from './ui.js';
import * as signin from './pages/signin.js';
import * as inbox from './pages/inbox.js';
import * as caseView from './pages/case.js';
import * as problems from './pages/problems.js';
import * as problemView from './pages/problem.js';
import * as suggestions from './pages/suggestions.js';
import * as dashboard from './pages/dashboard.js';
import * as admin from './pages/admin.js';

const routes = [
  { pattern: /^\/signin$/, page: signin, title: 'Sign in', open: true },
  { pattern: /^\/inbox$/, page: inbox, title: 'Inbox', nav: 'inbox' },
  { pattern: /^\/cases\/(\d+)$/, page: caseView, title: 'Case', nav: 'inbox' },
  { pattern: /^\/problems$/, page: problems, title: 'Problems', nav: 'problems' },
  { pattern: /^\/problems\/(\d+)$/, page: problemView, title: 'Problem', nav: 'problems' },
  { pattern: /^\/suggestions$/, page: suggestions, title: 'Suggestions', nav: 'suggestions' },
  { pattern: /^\/dashboard$/, page: dashboard, title: 'Dashboard', nav: 'dashboard' },
  { pattern: /^\/admin$/, page: admin, title: 'Admin', nav: 'admin', role: 'admin' },
];

const main = document.getElementById('main');
let leave = null;

function showIdentity() {
  const me = session.me();
  document.getElementById('nav').hidden = !me;
  document.getElementById('who').hidden = !me;
  if (!me) return;
  document.getElementById('who-name').textContent = me.name || `token ${me.token_id}`;
  document.getElementById('who-role').textContent = me.role;
  for (const item of document.querySelectorAll('#nav [data-role]')) {
    item.hidden = item.dataset.role !== me.role;
  }
}

async function route() {
  if (leave) {
    leave();
    leave = null;
  }
  const path = window.location.hash.replace(/^#/, '') || '/inbox';
  const me = session.me();
  const found = routes.find((r) => r.pattern.test(path));
  if (!me && !(found && found.open)) {
    sessionStorage.setItem('cxloop.after-signin', path);
    window.location.hash = '#/signin';
    return;
  }
  showIdentity();
  for (const link of document.querySelectorAll('#nav a')) {
    if (found && link.dataset.page === found.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  clear(main);
  if (!found) {
    document.title = 'Not found · cxloop';
    main.append(notice(`There is no console page at ${path}. Use the navigation above.`, 'error'));
    return;
  }
  document.title = `${found.title} · cxloop`;
  if (found.role && me.role !== found.role) {
    main.append(notice(`The ${found.title} pages need an ${found.role} token; you are signed in as ${me.role}.`, 'error'));
    return;
  }
  const params = path.match(found.pattern).slice(1);
  leave = (await found.page.render(main, params)) || null;
  main.focus({ preventScroll: true });
}

document.getElementById('sign-out').addEventListener('click', () => {
  session.clear();
  showIdentity();
  window.location.hash = '#/signin';
});

// A token revoked while signed in: back to the sign-in page, which says why.
window.addEventListener('cxloop:unauthorized', () => {
  session.clear();
  sessionStorage.setItem('cxloop.signin-reason', 'Your token is no longer accepted; sign in again.');
  window.location.hash = '#/signin';
});

window.addEventListener('hashchange', route);
route();

// The Outpost web console: login, the shell (navigation, who is logged in) and hash routing.
// Each page is a module whose render(main, ctx) builds the page; ctx.signal aborts its requests
// and ctx.every(ms, fn) polls until the page is left.
import {api, setSession, currentSession, setUnauthorizedHandler, can} from './api.js';
import {showError, hideError, hideNotice} from './notify.js';
import * as monitoring from './monitoring.js';
import * as inventory from './inventory.js';
import * as pending from './pending.js';
import * as alerts from './alerts.js';
import * as events from './events.js';
import * as maintenance from './maintenance.js';
import * as refusals from './refusals.js';
import * as computer from './computer.js';
import * as admin from './admin.js';
import * as audit from './audit.js';
import * as account from './account.js';

const routes = [
  {pattern: /^\/monitoring$/, name: 'monitoring', page: monitoring, nav: 'nav-monitoring'},
  {pattern: /^\/inventory$/, name: 'inventory', page: inventory, nav: 'nav-inventory'},
  {pattern: /^\/alerts$/, name: 'alerts', page: alerts, nav: 'nav-alerts'},
  {pattern: /^\/events$/, name: 'events', page: events, nav: 'nav-events'},
  {pattern: /^\/maintenance$/, name: 'maintenance', page: maintenance, nav: 'nav-maintenance'},
  {pattern: /^\/pending$/, name: 'pending', page: pending, nav: 'nav-pending'},
  {pattern: /^\/refusals$/, name: 'refusals', page: refusals, nav: 'nav-refusals'},
  {pattern: /^\/computer\/(.+)$/, name: 'computer', page: computer, nav: 'nav-inventory'},
  {pattern: /^\/admin$/, name: 'admin', page: admin, nav: 'nav-admin'},
  {pattern: /^\/audit$/, name: 'audit', page: audit, nav: 'nav-audit'},
  {pattern: /^\/account$/, name: 'account', page: account, nav: null},
];

const $ = (id) => document.getElementById(id);

// '#/computer/a.b?x=1' -> {path: '/computer/a.b', params: URLSearchParams}
export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#/, '') || '/monitoring';
  const q = raw.indexOf('?');
  return {path: q < 0 ? raw : raw.slice(0, q), params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1))};
}

// ---- the page being shown ----

let current = null;  // {controller, timers: []}

function leavePage() {
  if (!current) return;
  current.controller.abort();
  for (const t of current.timers) clearInterval(t);
  for (const fn of current.cleanups) {
    try {
      fn();
    } catch { /* a page's cleanup must not stop the next page */ }
  }
  current = null;
}

async function route() {
  if (!currentSession()) return;
  const {path, params} = parseHash();
  let match = null;
  let found = routes[0];
  for (const r of routes) {
    match = r.pattern.exec(path);
    if (match) {
      found = r;
      break;
    }
  }
  if (!match) {
    location.replace('#/monitoring');
    return;
  }
  leavePage();
  hideError();
  hideNotice();
  const controller = new AbortController();
  const page = {controller, timers: [], cleanups: []};
  current = page;
  for (const a of document.querySelectorAll('#nav a')) a.removeAttribute('aria-current');
  $(found.nav)?.setAttribute('aria-current', 'page');
  const main = $('main');
  main.replaceChildren();
  main.dataset.page = found.name;
  const ctx = {
    params,
    args: match.slice(1).map((a) => decodeURIComponent(a)),
    signal: controller.signal,
    alive: () => current === page,
    // Runs fn now and then every ms until the page is left (skipped while the tab is hidden).
    every(ms, fn) {
      let busy = false;
      const tick = async () => {
        if (busy || document.hidden || current !== page) return;
        busy = true;
        try {
          await fn();
        } finally {
          busy = false;
        }
      };
      page.timers.push(setInterval(tick, ms));
      return tick();
    },
    onLeave(fn) {
      page.cleanups.push(fn);
    },
  };
  try {
    await found.page.render(main, ctx);
  } catch (e) {
    if (current === page) showError(e);
  }
  const heading = main.querySelector('h1');
  if (heading && current === page) document.title = `${heading.textContent} · Outpost`;
}

// ---- login and logout ----

function showLogin(message) {
  leavePage();
  $('loading').hidden = true;
  $('shell').hidden = true;
  $('main').replaceChildren();
  $('login-view').hidden = false;
  const msg = $('login-message');
  msg.textContent = message || '';
  msg.hidden = !message;
  $('login-password').value = '';
  document.title = 'Log in · Outpost';
  ($('login-user').value ? $('login-password') : $('login-user')).focus();
}

function showShell() {
  const s = currentSession();
  $('loading').hidden = true;
  $('login-view').hidden = true;
  $('login-error').hidden = true;
  $('shell').hidden = false;
  $('current-user').textContent = s.user;
  $('current-role').textContent = s.role;
  $('current-role').dataset.role = s.role;
  $('nav-audit').hidden = !can('admin');
  route();
}

function loginError(error) {
  const box = $('login-error');
  box.replaceChildren();
  const p = document.createElement('p');
  p.className = 'banner-message';
  p.textContent = error.status === 401
    ? 'The user name or password is not right.' : error.message;
  box.append(p);
  if (error.fix) {
    const fix = document.createElement('p');
    fix.className = 'banner-fix';
    fix.textContent = `Fix: ${error.fix}`;
    box.append(fix);
  }
  box.hidden = false;
}

async function login(event) {
  event.preventDefault();
  const user = $('login-user').value.trim();
  const password = $('login-password').value;
  if (!user || !password) {
    loginError({message: 'Enter the user name and the password.'});
    return;
  }
  const button = $('login-submit');
  button.disabled = true;
  $('login-error').hidden = true;
  try {
    const s = await api('POST', '/session', {body: {user, password}, login: true});
    setSession(s);
    $('login-password').value = '';
    if (!location.hash || location.hash === '#' || location.hash === '#/') location.replace('#/monitoring');
    showShell();
  } catch (e) {
    loginError(e);
    $('login-password').select();
  } finally {
    button.disabled = false;
  }
}

async function logout() {
  const button = $('logout');
  button.disabled = true;
  try {
    await api('DELETE', '/session');
  } catch (e) {
    if (e.status !== 401) {
      showError(e, 'Logging out');
      button.disabled = false;
      return;
    }
  }
  button.disabled = false;
  setSession(null);
  showLogin('You are logged out.');
}

async function start() {
  setUnauthorizedHandler(() => showLogin('Your session ended: log in again.'));
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  window.addEventListener('hashchange', () => route());
  try {
    setSession(await api('GET', '/session', {login: true}));
    showShell();
  } catch (e) {
    showLogin();
    if (e.status !== 401) loginError(e);
  }
}

start();

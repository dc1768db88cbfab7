#!/usr/bin/env node
// End-to-end test of the Outpost web console in a real browser: Debian's Chromium
// (/usr/bin/chromium) driven by playwright-core, which downloads no browser of its own.
//
// Certificates: this script never turns certificate verification off (no ignoreHTTPSErrors, no
// --ignore-certificate-errors). The server's certificate is issued by a throwaway test CA, and the
// caller makes Chromium trust that CA: it creates an NSS database in $HOME/.pki/nssdb with the CA
// (certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n outpost-test-ca -i ca.pem) and runs this script
// with that HOME. The script relies on HOME from its environment (Chromium inherits it) and
// exposes nothing else about trust.
//
// Environment (all required unless marked optional):
//   OUTPOST_CONSOLE_URL        the console, e.g. https://ms1.lab.test:8443/
//   OUTPOST_HOST_RULES         Chromium's --host-resolver-rules, e.g. "MAP ms1.lab.test 127.0.0.11"
//   OUTPOST_ADMIN_USER, OUTPOST_ADMIN_PASSWORD     an administrator
//   OUTPOST_READER_USER, OUTPOST_READER_PASSWORD   a read-only user
//   OUTPOST_PENDING_AGENT      an agent waiting for approval (connected): approved by this test
//   OUTPOST_STAYS_PENDING_AGENT  another agent waiting for approval: never approved; the read-only
//                              user must see it listed without approve/reject buttons
//   OUTPOST_GATEWAY            an approved gateway whose failover list is set
//   OUTPOST_FAILOVER           comma-separated management servers: the gateway's new failover list
//   OUTPOST_CHART_COMPUTER     a computer that sends performance samples
//   OUTPOST_ALERT_ID           an open alert: acknowledged by this test
//   OUTPOST_EVENT_COMPUTER     a computer that sent at least one event (a [[collect.log]] match)
//   OUTPOST_MAINTENANCE_COMPUTER  a healthy computer not in maintenance: put in maintenance and out
//   OUTPOST_REFUSED            optional: comma-separated names the Refusals page must list (without
//                              it the page must render, rows or its empty state)
//   OUTPOST_SCREENSHOTS        a directory for the screenshots (created if missing)
//   OUTPOST_HEALTHY_COMPUTERS  optional: comma-separated computers that must show healthy
//                              (default: the console's host and OUTPOST_GATEWAY)
//   OUTPOST_CHART_COUNTER      optional: the counter to chart (default: the page's first)
//   OUTPOST_WAIT_S             optional: the bound of one wait in seconds (default 30); waits for
//                              the cluster itself (an approved agent turning healthy, the first
//                              samples) get three times as long
//
// Steps: log in as the administrator; the overview and the inventory show the computers healthy
// (monitoring.png, inventory.png); Pending Management approves OUTPOST_PENDING_AGENT (pending.png
// before), and the inventory then shows it healthy; Administration sets the gateway's failover list
// (admin.png); the chart computer's page draws a uPlot chart with data (computer.png); the alert is
// acknowledged (alerts.png); Events lists the event computer's events, in the group view and for
// the computer (events.png); Maintenance starts maintenance of OUTPOST_MAINTENANCE_COMPUTER, lists
// it, the inventory shows it in maintenance, and it is stopped (maintenance.png); Refused
// Connections lists OUTPOST_REFUSED with cause, count and fix (refusals.png); log out; log in as the
// read-only user: OUTPOST_STAYS_PENDING_AGENT listed without approve/reject buttons, a POST
// .../approve of it from the page answers 403, no maintenance form or Stop buttons; a phone-sized
// inventory (inventory-phone.png) and navigation; no console errors (CSP violations show there)
// and no failed requests besides the expected ones.
// Exit code 0 when every step passed, 1 otherwise.
import fs from 'node:fs';
import path from 'node:path';
import {chromium} from 'playwright-core';

// ---- configuration ----

const env = (name, optional = false) => {
  const v = (process.env[name] || '').trim();
  if (!v && !optional) missing.push(name);
  return v;
};
const missing = [];
const URL_ = env('OUTPOST_CONSOLE_URL');
const HOST_RULES = env('OUTPOST_HOST_RULES');
const ADMIN = {user: env('OUTPOST_ADMIN_USER'), password: env('OUTPOST_ADMIN_PASSWORD')};
const READER = {user: env('OUTPOST_READER_USER'), password: env('OUTPOST_READER_PASSWORD')};
const PENDING = env('OUTPOST_PENDING_AGENT');
const STAYS_PENDING = env('OUTPOST_STAYS_PENDING_AGENT');
const EVENT_COMPUTER = env('OUTPOST_EVENT_COMPUTER');
const MAINTENANCE = env('OUTPOST_MAINTENANCE_COMPUTER');
const REFUSED = env('OUTPOST_REFUSED', true).split(',').map((s) => s.trim()).filter(Boolean);
const GATEWAY = env('OUTPOST_GATEWAY');
const FAILOVER = env('OUTPOST_FAILOVER').split(',').map((s) => s.trim()).filter(Boolean);
const CHART = env('OUTPOST_CHART_COMPUTER');
const ALERT_ID = env('OUTPOST_ALERT_ID');
const SHOTS = env('OUTPOST_SCREENSHOTS');
const COUNTER = env('OUTPOST_CHART_COUNTER', true);
const WAIT = (Number(env('OUTPOST_WAIT_S', true)) || 30) * 1000;
const LONG_WAIT = 3 * WAIT;
if (missing.length) {
  console.error(`console_test: set ${missing.join(', ')} (see the top of ${path.basename(process.argv[1])})`);
  process.exit(1);
}
if (!process.env.HOME) {
  console.error('console_test: HOME is not set; Chromium finds the trusted test CA in $HOME/.pki/nssdb');
  process.exit(1);
}
const base = new URL(URL_);
const HEALTHY = (env('OUTPOST_HEALTHY_COMPUTERS', true) || `${base.hostname},${GATEWAY}`)
  .split(',').map((s) => s.trim()).filter(Boolean);
const at = (hash) => new URL(hash, base).toString();
const PROBE_PATH = `/api/v1/pending/${encodeURIComponent(STAYS_PENDING)}/approve`;

// The whole run is bounded too.
const watchdog = setTimeout(() => {
  console.error('FAIL: the test did not finish within 15 minutes');
  process.exit(1);
}, 15 * 60 * 1000);
watchdog.unref();

// ---- reporting ----

let passed = 0;
let failed = 0;
const log = (s) => console.log(s);

async function step(name, fn) {
  const started = Date.now();
  log(`-- ${name}`);
  await fn();
  passed++;
  log(`ok ${passed} - ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

class Failure extends Error {}
const fail = (message) => {
  throw new Failure(message);
};

// ---- what the browser says: console errors and failed requests ----

const problems = [];
// Responses the test expects to fail: the session check before a login (401), and the probe of
// the read-only user (403). Chromium logs each as "Failed to load resource" on the console.
const expectedFailure = (method, pathname, status) =>
  (status === 401 && pathname === '/api/v1/session') ||
  (status === 403 && method === 'POST' && pathname === PROBE_PATH);

function watch(page, label) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const loc = msg.location();
    const m = /^Failed to load resource: the server responded with a status of (\d+)/.exec(text);
    if (m && loc?.url) {
      const u = new URL(loc.url);
      // The response handler below judges (and reports) every failed response, with its method.
      if (u.origin === base.origin) return;
    }
    problems.push(`[${label}] console error: ${text}${loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
  });
  page.on('pageerror', (e) => problems.push(`[${label}] uncaught exception: ${e.message}`));
  page.on('response', (r) => {
    const status = r.status();
    if (status < 400) return;
    const u = new URL(r.url());
    const method = r.request().method();
    if (!expectedFailure(method, u.pathname, status)) {
      problems.push(`[${label}] ${method} ${u.pathname}${u.search} answered ${status}`);
    }
  });
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText || '';
    if (why.includes('ERR_ABORTED')) return;  // the console aborts a page's requests when it is left
    problems.push(`[${label}] ${r.method()} ${r.url()} failed: ${why}`);
  });
}

// ---- helpers ----

async function goto(page, hash) {
  await page.goto(at(hash), {waitUntil: 'load', timeout: WAIT});
}

// Shows the console's error banner as the reason when one is up.
async function bannerText(page) {
  return page.evaluate(() => {
    const b = document.getElementById('error-banner');
    return b && !b.hidden ? b.innerText.replace(/\s+/g, ' ').trim() : '';
  }).catch(() => '');
}

async function until(page, what, fn, arg, timeout = WAIT) {
  try {
    await page.waitForFunction(fn, arg, {timeout, polling: 250});
  } catch (e) {
    const banner = await bannerText(page);
    const why = /timeout/i.test(e.message) ? `timed out after ${timeout / 1000} s` : e.message.split('\n')[0];
    fail(`${why} waiting for ${what}${banner ? `; the console shows: ${banner}` : ''}`);
  }
}

async function shot(page, name, fullPage = true) {
  const file = path.join(SHOTS, name);
  await page.screenshot({path: file, fullPage, timeout: WAIT});
  log(`   screenshot ${file}`);
}

async function login(page, who, role) {
  await until(page, 'the login page', () => {
    const v = document.getElementById('login-view');
    return v && !v.hidden;
  });
  await page.fill('#login-user', who.user);
  await page.fill('#login-password', who.password);
  await page.click('#login-submit');
  await until(page, `the console after logging in as ${who.user}`, () => {
    const shell = document.getElementById('shell');
    const err = document.getElementById('login-error');
    return (shell && !shell.hidden) || (err && !err.hidden);
  });
  const error = await page.evaluate(() => {
    const e = document.getElementById('login-error');
    return e && !e.hidden ? e.innerText : '';
  });
  if (error) fail(`logging in as ${who.user} failed: ${error}`);
  const shown = await page.evaluate(() => ({
    user: document.getElementById('current-user').textContent,
    role: document.getElementById('current-role').textContent,
  }));
  if (shown.user !== who.user || shown.role !== role) {
    fail(`the header shows ${shown.user} (${shown.role}), expected ${who.user} (${role})`);
  }
}

// The inventory row of fqdn (filtering by its name, so it shows with any number of computers)
// with the given health.
async function inventoryShows(page, fqdn, health, timeout) {
  if (!page.url().includes('#/inventory')) {
    await page.click('#nav-inventory');
    await page.waitForSelector('#inv-q', {timeout: WAIT});
  }
  await page.fill('#inv-q', fqdn);
  await until(page, `${fqdn} ${health} in the inventory`, ([name, want]) => {
    const row = [...document.querySelectorAll('#inventory-table tbody tr')].find((r) => r.dataset.fqdn === name);
    return row?.querySelector('[data-test="health"]')?.dataset.health === want;
  }, [fqdn, health], timeout);
}

// Whether the page shows the console's error banner; fails with its text when it does.
async function noBanner(page, what) {
  const banner = await bannerText(page);
  if (banner) fail(`${what} failed: ${banner}`);
}

// The times of a table's rows (a column's <time datetime>), in ms, top to bottom.
async function rowTimes(page, tableId, column) {
  return page.evaluate(([id, col]) => [...document.querySelectorAll(`#${id} tbody tr[data-key]`)]
    .map((r) => Date.parse(r.cells[col]?.querySelector('time')?.getAttribute('datetime') || '')), [tableId, column]);
}

const newestFirst = (times) => times.every((t, i) => i === 0 || !(t > times[i - 1]));

// ---- the run ----

async function main() {
  fs.mkdirSync(SHOTS, {recursive: true});
  const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  if (HOST_RULES) args.push(`--host-resolver-rules=${HOST_RULES}`);
  const browser = await chromium.launch({executablePath: '/usr/bin/chromium', args, timeout: WAIT});
  let page = null;
  try {
    const context = await browser.newContext({viewport: {width: 1366, height: 900}});
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.setDefaultNavigationTimeout(WAIT);
    watch(page, 'desktop');

    await step(`open ${base.origin} (its certificate trusted through $HOME/.pki/nssdb)`, async () => {
      try {
        await goto(page, '/');
      } catch (e) {
        if (/ERR_CERT|SSL|CERT_/i.test(e.message)) {
          fail(`Chromium does not trust the server's certificate (${e.message.split('\n')[0]}): ` +
            'is the test CA in $HOME/.pki/nssdb, and is HOME set to that directory?');
        }
        throw e;
      }
    });

    await step(`log in as the administrator ${ADMIN.user}`, () => login(page, ADMIN, 'administrator'));

    await step('Monitoring shows the computers by health', async () => {
      await goto(page, '#/monitoring');
      await until(page, 'the health tiles', () =>
        document.querySelector('[data-test="tile-total"] [data-test="count"]')?.textContent !== undefined);
      await until(page, `at least ${HEALTHY.length} healthy computers on the overview`, (n) =>
        Number(document.querySelector('[data-test="tile-healthy"] [data-test="count"]')?.textContent) >= n, HEALTHY.length);
      await until(page, 'the worst computers list', () =>
        document.querySelectorAll('[data-test="worst-table"] tbody tr').length > 0);
      await shot(page, 'monitoring.png');
    });

    await step(`the inventory shows ${HEALTHY.join(', ')} healthy`, async () => {
      for (const fqdn of HEALTHY) await inventoryShows(page, fqdn, 'healthy', LONG_WAIT);
      await page.fill('#inv-q', '');
      await until(page, 'the unfiltered inventory', (n) => {
        const rows = document.querySelectorAll('#inventory-table tbody tr[data-fqdn]');
        return rows.length >= n && !location.hash.includes('q=');
      }, HEALTHY.length);
      await page.waitForTimeout(300);  // the filter's debounce
      await shot(page, 'inventory.png');
    });

    await step(`Pending Management approves ${PENDING}`, async () => {
      await page.click('#nav-pending');
      await until(page, `${PENDING} with an Approve button in Pending Management`, (name) =>
        [...document.querySelectorAll('#pending-table [data-test="approve"]')].some((b) => b.dataset.fqdn === name), PENDING);
      await shot(page, 'pending.png');
      await page.locator(`#pending-table [data-test="approve"][data-fqdn="${PENDING}"]`).click();
      await until(page, 'the approval to be confirmed', () => {
        const n = document.getElementById('notice');
        const b = document.getElementById('error-banner');
        return (n && !n.hidden) || (b && !b.hidden);
      });
      const banner = await bannerText(page);
      if (banner) fail(`approving ${PENDING} failed: ${banner}`);
      await until(page, `${PENDING} to leave the pending list`, (name) =>
        ![...document.querySelectorAll('#pending-table tbody tr')].some((r) => r.dataset.fqdn === name), PENDING);
    });

    await step(`the inventory shows ${PENDING} healthy after its approval`, async () => {
      await inventoryShows(page, PENDING, 'healthy', LONG_WAIT);
    });

    await step(`Administration sets the failover list of ${GATEWAY} to ${FAILOVER.join(', ')}`, async () => {
      await page.click('#nav-admin');
      const row = `#gateways-table tr[data-fqdn="${GATEWAY}"]`;
      await page.waitForSelector(`${row} [data-test="edit-failover"]`, {timeout: WAIT});
      await page.click(`${row} [data-test="edit-failover"]`);
      await page.fill(`${row} [data-test="failover-input"]`, FAILOVER.join(', '));
      await page.click(`${row} [data-test="failover-save"]`);
      await until(page, `the failover list ${FAILOVER.join(', ')} on the page`, ([sel, want]) => {
        const list = document.querySelector(`${sel} [data-test="failover"]`);
        const b = document.getElementById('error-banner');
        return (list && list.dataset.names === want) || (b && !b.hidden);
      }, [row, FAILOVER.join(',')]);
      const banner = await bannerText(page);
      if (banner) fail(`setting the failover list failed: ${banner}`);
      const shown = await page.locator(`${row} [data-test="failover"] li`).allInnerTexts();
      if (shown.length !== FAILOVER.length || !FAILOVER.every((n, i) => shown[i].startsWith(n))) {
        fail(`the page lists ${JSON.stringify(shown)}, expected ${JSON.stringify(FAILOVER)}`);
      }
      await shot(page, 'admin.png');
    });

    await step(`the page of ${CHART} draws a performance chart`, async () => {
      await goto(page, `#/computer/${encodeURIComponent(CHART)}`);
      await until(page, 'the counters of the computer', () =>
        document.querySelectorAll('#counter-select option').length > 0);
      if (COUNTER) {
        const value = await page.evaluate((name) => {
          const o = [...document.querySelectorAll('#counter-select option')].find((x) => x.textContent === name || x.textContent.startsWith(`${name} (`));
          return o ? o.value : null;
        }, COUNTER);
        if (value === null) fail(`the computer offers no counter ${COUNTER}`);
        await page.selectOption('#counter-select', value);
      }
      await until(page, 'a uPlot chart with data points', () => {
        const box = document.getElementById('performance-chart');
        return Number(box?.dataset.points) > 0 && box.querySelector('.uplot canvas');
      }, undefined, LONG_WAIT);
      await page.waitForTimeout(300);  // uPlot draws on the next animation frame
      const drawn = await page.evaluate(() => {
        // Pixels of the average's stroke (#1d4ed8) or the band: the series are drawn, not only the axes.
        const canvas = document.querySelector('#performance-chart .uplot canvas');
        const {width, height} = canvas;
        const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
        let blue = 0;
        for (let i = 0; i < data.length; i += 4) {
          const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
          if (a > 100 && b > 150 && r < 120 && g < 140) blue++;
        }
        return {blue, width, height};
      });
      if (drawn.blue < 20) fail(`the chart canvas (${drawn.width}x${drawn.height}) has no drawn series (${drawn.blue} series pixels)`);
      log(`   chart: ${drawn.width}x${drawn.height} canvas, ${drawn.blue} series pixels`);
      await shot(page, 'computer.png');
    });

    await step(`acknowledge alert ${ALERT_ID}`, async () => {
      await goto(page, '#/alerts?state=all');
      const row = `#alerts-table tr[data-id="${ALERT_ID}"]`;
      await page.waitForSelector(row, {timeout: WAIT});
      const state = await page.locator(`${row} [data-test="state"]`).getAttribute('data-status');
      if (state !== 'open') fail(`alert ${ALERT_ID} is ${state}, not open`);
      await page.click(`${row} [data-test="ack"]`);
      await page.fill('#alerts-table tr.action-row [data-test="comment"]', 'Acknowledged by the browser test');
      await page.click('#alerts-table tr.action-row [data-test="confirm-ack"]');
      await until(page, `alert ${ALERT_ID} acknowledged`, (sel) => {
        const b = document.getElementById('error-banner');
        return document.querySelector(`${sel} [data-test="state"]`)?.dataset.status === 'acknowledged' || (b && !b.hidden);
      }, row);
      const banner = await bannerText(page);
      if (banner) fail(`acknowledging alert ${ALERT_ID} failed: ${banner}`);
      await page.click(`${row} [data-test="show"]`);
      await until(page, 'the alert\'s history', (id) => {
        const d = document.getElementById('alert-detail');
        return d && !d.hidden && d.dataset.id === id && d.querySelector('[data-test="alert-history"]');
      }, String(ALERT_ID));
      await shot(page, 'alerts.png');
    });

    await step(`Events lists the events of the group and of ${EVENT_COMPUTER}, newest first`, async () => {
      await page.click('#nav-events');
      await until(page, `an event of ${EVENT_COMPUTER} among the group's events`, (name) =>
        [...document.querySelectorAll('#events-table tbody tr')].some((r) => r.dataset.computer === name),
      EVENT_COMPUTER, LONG_WAIT);
      await noBanner(page, 'loading the events');
      await page.fill('#events-computer', EVENT_COMPUTER);
      await page.click('#events-show');
      await until(page, `only the events of ${EVENT_COMPUTER}, with their level and message`, (name) => {
        const rows = [...document.querySelectorAll('#events-table tbody tr[data-computer]')];
        return rows.length > 0 && rows.every((r) => r.dataset.computer === name) &&
          rows.every((r) => r.querySelector('[data-test="level"]') && r.querySelector('[data-test="rule"]')?.textContent.trim() &&
            r.querySelector('[data-test="message"]')?.textContent.trim());
      }, EVENT_COMPUTER);
      await noBanner(page, `loading the events of ${EVENT_COMPUTER}`);
      const times = await rowTimes(page, 'events-table', 0);
      if (!newestFirst(times)) fail(`the events are not newest first: ${times.join(', ')}`);
      const hash = await page.evaluate(() => location.hash);
      if (new URLSearchParams(hash.split('?')[1] || '').get('computer') !== EVENT_COMPUTER) fail(`the filter is not in the address: ${hash}`);
      // The rule filter: a rule nobody has empties the list; clearing it brings the events back.
      await page.fill('#events-rule', 'no-such-rule');
      await page.click('#events-show');
      await until(page, 'the empty state of the rule filter', () =>
        document.querySelector('#events-table tbody tr.empty')?.textContent.includes('No event matches'));
      await page.fill('#events-rule', '');
      await page.click('#events-show');
      await until(page, 'the events again', () => document.querySelectorAll('#events-table tbody tr[data-computer]').length > 0);
      log(`   ${times.length} events of ${EVENT_COMPUTER}`);
      await shot(page, 'events.png');
    });

    await step(`Maintenance starts maintenance of ${MAINTENANCE}, lists it and stops it`, async () => {
      await page.click('#nav-maintenance');
      await page.waitForSelector('#maintenance-form', {timeout: WAIT});
      const row = `#maintenance-table tr[data-fqdn="${MAINTENANCE}"]`;
      if (await page.locator(row).count()) fail(`${MAINTENANCE} is in maintenance before the test starts it`);
      await page.fill('#mnt-computer', MAINTENANCE);
      await page.selectOption('#mnt-minutes', '120');
      await page.fill('#mnt-reason', 'Patching <b>kernel</b>');
      await page.click('#mnt-start');
      await until(page, `${MAINTENANCE} in the maintenance list`, (sel) => {
        const b = document.getElementById('error-banner');
        return document.querySelector(sel) || (b && !b.hidden);
      }, row);
      await noBanner(page, `starting the maintenance of ${MAINTENANCE}`);
      const shown = await page.locator(row).innerText();
      if (!shown.includes('Patching <b>kernel</b>')) fail(`the row does not show the reason as text: ${shown}`);
      if (!shown.includes(ADMIN.user)) fail(`the row does not say who started it (${ADMIN.user}): ${shown}`);
      const ends = await page.locator(`${row} time`).first().getAttribute('datetime');
      const left = (Date.parse(ends) - Date.now()) / 60000;
      if (!(left > 110 && left <= 121)) fail(`the maintenance ends in ${left.toFixed(0)} min, expected 120`);
      await shot(page, 'maintenance.png');

      // Meanwhile a read-only user sees it listed, without the form and without a Stop button.
      const other = await browser.newContext({viewport: {width: 1366, height: 900}});
      const r = await other.newPage();
      r.setDefaultTimeout(WAIT);
      watch(r, 'read-only');
      await r.goto(at('/'), {waitUntil: 'load', timeout: WAIT});
      await login(r, READER, 'read-only');
      await goto(r, '#/maintenance');
      await r.waitForSelector(row, {timeout: WAIT});
      const controls = await r.locator('#maintenance-form, #maintenance-table [data-test="stop"]').count();
      if (controls) fail(`Maintenance shows ${controls} change controls to a read-only user`);
      await other.close();

      await inventoryShows(page, MAINTENANCE, 'maintenance', WAIT);
      await page.click('#nav-maintenance');
      await page.click(`${row} [data-test="stop"]`);
      await until(page, `${MAINTENANCE} to leave the maintenance list`, (sel) => {
        const b = document.getElementById('error-banner');
        return (!document.querySelector(sel) && document.querySelector('#maintenance-table tbody tr')) || (b && !b.hidden);
      }, row);
      await noBanner(page, `stopping the maintenance of ${MAINTENANCE}`);
      await inventoryShows(page, MAINTENANCE, 'healthy', LONG_WAIT);
    });

    await step(`Refused Connections lists ${REFUSED.length ? REFUSED.join(', ') : 'what was refused'} with cause, count and fix`, async () => {
      await page.click('#nav-refusals');
      await until(page, 'the refused connections (rows or the empty state)', () =>
        document.querySelectorAll('#refusals-table tbody tr').length > 0);
      await noBanner(page, 'loading the refused connections');
      for (const name of REFUSED) {
        await until(page, `${name} among the refused connections`, (n) =>
          [...document.querySelectorAll('#refusals-table tbody tr')].some((r) => r.dataset.identity === n), name, LONG_WAIT);
      }
      const rows = await page.evaluate(() => [...document.querySelectorAll('#refusals-table tbody tr[data-key]')].map((r) => ({
        who: r.dataset.identity,
        cause: r.querySelector('[data-test="cause"]')?.textContent.trim() || '',
        count: Number(r.querySelector('[data-test="count"]')?.textContent),
        fix: r.querySelector('[data-test="fix"]')?.textContent.trim() || '',
      })));
      if (!rows.length) {
        const empty = await page.locator('#refusals-table tbody tr.empty').innerText();
        if (!empty.includes('No connection was refused')) fail(`the Refusals page shows neither rows nor its empty state: ${empty}`);
      }
      for (const x of rows) {
        if (!x.cause || !x.fix || !(x.count >= 1)) fail(`the refusal of ${x.who} lacks its cause, count or fix: ${JSON.stringify(x)}`);
      }
      const waiting = rows.find((x) => x.who === STAYS_PENDING);
      if (waiting && !/pending approval/.test(waiting.cause)) fail(`the refusal of ${STAYS_PENDING} does not say it is pending approval: ${waiting.cause}`);
      const times = await rowTimes(page, 'refusals-table', 5);
      if (!newestFirst(times)) fail(`the refusals are not newest first: ${times.join(', ')}`);
      log(`   ${rows.length} refusals: ${rows.map((x) => `${x.who} (${x.cause})`).join('; ')}`);
      await shot(page, 'refusals.png');
    });

    await step('log out', async () => {
      await page.click('#logout');
      await until(page, 'the login page after logging out', () => {
        const v = document.getElementById('login-view');
        return v && !v.hidden && document.getElementById('shell').hidden;
      });
    });

    await step(`log in as the read-only user ${READER.user}`, () => login(page, READER, 'read-only'));

    await step(`the read-only user sees ${STAYS_PENDING} pending without approve or reject buttons, and the API refuses its approval`, async () => {
      await page.click('#nav-pending');
      await until(page, `${STAYS_PENDING} in the pending list`, (name) =>
        [...document.querySelectorAll('#pending-table tbody tr')].some((r) => r.dataset.fqdn === name), STAYS_PENDING);
      const buttons = await page.locator('[data-test="approve"], [data-test="reject"]').count();
      if (buttons) fail(`Pending Management shows ${buttons} approve/reject buttons to a read-only user`);
      const answer = await page.evaluate(async (probe) => {
        const s = await (await fetch('/api/v1/session', {credentials: 'same-origin'})).json();
        const r = await fetch(probe, {method: 'POST', credentials: 'same-origin',
          headers: {'X-CSRF-Token': s.csrf, 'Content-Type': 'application/json'}, body: '{}'});
        return {status: r.status, body: await r.text(), csrf: Boolean(s.csrf)};
      }, PROBE_PATH);
      if (!answer.csrf) fail('GET /api/v1/session gave the read-only user no csrf token');
      if (answer.status !== 403) fail(`POST ${PROBE_PATH} as read-only answered ${answer.status}, expected 403: ${answer.body.slice(0, 300)}`);
      let error = null;
      try {
        error = JSON.parse(answer.body).error;
      } catch { /* checked below */ }
      if (!error || !error.message) fail(`the 403 has no {"error": {"message", ...}} body: ${answer.body.slice(0, 300)}`);
      log(`   403: ${error.message}`);
    });

    await step('the read-only user gets no change controls on Alerts, Administration and Maintenance', async () => {
      await page.click('#nav-alerts');
      await page.selectOption('#alerts-state', 'all');
      await until(page, 'the alert list', () =>
        document.querySelectorAll('#alerts-table tbody tr').length > 0);
      const alertButtons = await page.locator('#alerts-table [data-test="ack"], #alerts-table [data-test="close"]').count();
      if (alertButtons) fail(`Alerts shows ${alertButtons} acknowledge/close buttons to a read-only user`);
      await page.click('#nav-admin');
      await page.waitForSelector(`#gateways-table tr[data-fqdn="${GATEWAY}"]`, {timeout: WAIT});
      const adminControls = await page.locator('[data-test="edit-failover"], [data-test="remove-gateway"], #approve-gateway-form, #users').count();
      if (adminControls) fail(`Administration shows ${adminControls} change controls to a read-only user`);
      if (await page.locator('#nav-audit').isVisible()) fail('the Audit link is shown to a read-only user');
      await page.click('#nav-maintenance');
      await until(page, 'the maintenance list', () => document.querySelectorAll('#maintenance-table tbody tr').length > 0);
      const maintenanceControls = await page.locator('#maintenance-form, [data-test="stop"]').count();
      if (maintenanceControls) fail(`Maintenance shows ${maintenanceControls} change controls to a read-only user`);
    });

    await step('the read-only user changes their own password on the account page', async () => {
      await page.click('#current-user');
      await page.waitForSelector('#account-form', {timeout: WAIT});
      const fresh = `${READER.password} changed`;
      await page.fill('#account-current', READER.password);
      await page.fill('#account-new', fresh);
      await page.fill('#account-again', fresh);
      await page.click('#account-save');
      await until(page, 'the password change to be confirmed', () => {
        const n = document.getElementById('notice');
        const b = document.getElementById('error-banner');
        return (n && !n.hidden) || (b && !b.hidden);
      });
      const banner = await bannerText(page);
      if (banner) fail(`changing the read-only user's password failed: ${banner}`);
      await shot(page, 'account.png');
      // The new session (and its CSRF token) works: the inventory loads without a login.
      await page.click('#nav-inventory');
      await until(page, 'the inventory after the password change', () =>
        document.querySelectorAll('#inventory-table tbody tr[data-fqdn]').length > 0);
      if (await page.locator('#login-view').isVisible()) fail('the console asked to log in again after the password change');
      READER.password = fresh;
    });

    await step('a phone-sized inventory (390x844)', async () => {
      const phone = await browser.newContext({viewport: {width: 390, height: 844}, isMobile: true,
        hasTouch: true, deviceScaleFactor: 2});
      const p = await phone.newPage();
      p.setDefaultTimeout(WAIT);
      watch(p, 'phone');
      await p.goto(at('/'), {waitUntil: 'load', timeout: WAIT});
      await login(p, READER, 'read-only');
      await goto(p, '#/inventory');
      await until(p, 'the inventory rows', () =>
        document.querySelectorAll('#inventory-table tbody tr[data-fqdn]').length > 0);
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 1) fail(`the phone page is ${overflow} px wider than the screen (tables must scroll in their box)`);
      await shot(p, 'inventory-phone.png', false);
      // Every page is in the navigation (it scrolls sideways on a phone), and none is wider than the screen.
      const links = await p.evaluate(() => [...document.querySelectorAll('#nav a')].filter((a) => !a.hidden).map((a) => a.getAttribute('href')));
      for (const hash of ['#/monitoring', '#/inventory', '#/alerts', '#/events', '#/maintenance', '#/pending', '#/refusals', '#/admin']) {
        if (!links.includes(hash)) fail(`the navigation has no link to ${hash}: ${links.join(' ')}`);
      }
      for (const [hash, sel] of [['#/events', '#events-table tbody tr'], ['#/maintenance', '#maintenance-table tbody tr'],
        ['#/refusals', '#refusals-table tbody tr']]) {
        await p.click(`#nav a[href="${hash}"]`);
        await p.waitForSelector(sel, {timeout: WAIT});
        const wider = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (wider > 1) fail(`the phone page ${hash} is ${wider} px wider than the screen`);
      }
      await phone.close();
    });

    await step('no console errors, CSP violations or unexpected failed requests', async () => {
      if (problems.length) fail(`the browser reported:\n   ${problems.join('\n   ')}`);
    });
  } catch (e) {
    failed++;
    console.error(`FAIL: ${e instanceof Failure ? e.message : e.stack || e}`);
    if (problems.length) console.error(`the browser also reported:\n   ${problems.join('\n   ')}`);
    if (page) {
      log(`   at ${page.url()}`);
      await page.screenshot({path: path.join(SHOTS, 'failure.png'), fullPage: true, timeout: WAIT})
        .then(() => log(`   screenshot ${path.join(SHOTS, 'failure.png')}`)).catch(() => {});
    }
  } finally {
    await browser.close().catch(() => {});
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  console.error(`FAIL: ${e.stack || e}`);
  console.log(`${passed} passed, 1 failed`);
  process.exit(1);
});

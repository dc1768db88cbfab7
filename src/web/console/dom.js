// DOM and formatting helpers. Everything the API says is put on the page as text
// (textContent, attribute values), never as HTML: computer names come from untrusted computers.

// h('a', {href: '#/x', class: 'link', data: {test: 'y'}, on: {click: f}}, 'text', child, ...)
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'data') for (const [k, v] of Object.entries(value)) el.dataset[k] = v;
    else if (key === 'on') for (const [k, v] of Object.entries(value)) el.addEventListener(k, v);
    else if (key === 'text') el.textContent = value;
    else if (key === 'value' || key === 'checked' || key === 'selected') el[key] = value;
    else if (key === 'style') throw new Error('no style attributes (CSP); use a class');
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

// Appends to el (arrays flattened, null/false skipped).
export function add(el, ...children) {
  append(el, children);
  return el;
}

// Replaces el's children (arrays flattened, null/false skipped).
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const dash = (v) => (v === undefined || v === null || v === '' ? '—' : String(v));

// ---- health, severity, status badges (colour and text) ----

export const HEALTHS = ['critical', 'heartbeat_failure', 'unreachable', 'warning', 'unknown',
  'not_approved', 'maintenance', 'healthy'];

const HEALTH_LABELS = {
  healthy: 'Healthy', warning: 'Warning', critical: 'Critical', maintenance: 'Maintenance',
  heartbeat_failure: 'Heartbeat failure', unreachable: 'Unreachable',
  not_approved: 'Not approved', unknown: 'Unknown',
};
const HEALTH_MARKS = {
  healthy: '✓', warning: '!', critical: '✕', maintenance: '‖', heartbeat_failure: '♡',
  unreachable: '⊘', not_approved: '?', unknown: '?',
};

export const healthLabel = (health) => HEALTH_LABELS[health] || dash(health);

export function healthBadge(health, test = 'health') {
  const known = Object.hasOwn(HEALTH_LABELS, health) ? health : 'unknown';
  return h('span', {class: `badge health-${known}`, data: {test, health: dash(health)}},
    h('span', {class: 'mark', 'aria-hidden': 'true'}, HEALTH_MARKS[known]), healthLabel(health));
}

// A check, doctor finding or alert status: ok/pass, warning/warn, critical/fail, ...
const STATUS_CLASS = {
  ok: 'healthy', pass: 'healthy', passed: 'healthy', healthy: 'healthy', info: 'unknown',
  warning: 'warning', warn: 'warning', critical: 'critical', fail: 'critical', failed: 'critical',
  error: 'critical', skip: 'unknown', skipped: 'unknown', unknown: 'unknown',
  open: 'critical', acknowledged: 'warning', resolved: 'healthy', closed: 'unknown',
};

export function statusBadge(status, test = 'status') {
  const cls = STATUS_CLASS[String(status).toLowerCase()] || 'unknown';
  return h('span', {class: `badge health-${cls}`, data: {test, status: dash(status)}}, dash(status));
}

export const ROLE_LABELS = {management_server: 'Management server', gateway: 'Gateway', agent: 'Agent'};
export const roleLabel = (role) => ROLE_LABELS[role] || dash(role);

// ---- links ----

export const computerHref = (fqdn) => `#/computer/${encodeURIComponent(fqdn)}`;

export function computerLink(fqdn, test = 'computer-link') {
  if (!fqdn) return '—';
  return h('a', {href: computerHref(fqdn), data: {test}}, fqdn);
}

// ---- times ----

const pad = (n) => String(n).padStart(2, '0');

export function parseTime(t) {
  if (t === undefined || t === null || t === '') return null;
  const d = typeof t === 'number' ? new Date(t) : new Date(t);
  return Number.isNaN(d.getTime()) ? null : d;
}

// Local time, to the second: 2026-12-07 19:42:11
export function fmtTime(t) {
  const d = parseTime(t);
  if (!d) return dash(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fmtAgo(t, now = Date.now()) {
  const d = parseTime(t);
  if (!d) return '';
  const s = Math.round((now - d.getTime()) / 1000);
  const a = Math.abs(s);
  const text = a < 60 ? `${a} s` : a < 3600 ? `${Math.round(a / 60)} min`
    : a < 172800 ? `${Math.round(a / 3600)} h` : `${Math.round(a / 86400)} d`;
  return s >= 0 ? `${text} ago` : `in ${text}`;
}

// <time> with local time, the relative time after it and the original text as a tooltip.
export function timeCell(t, {relative = true} = {}) {
  const d = parseTime(t);
  if (!d) return '—';
  return h('time', {datetime: d.toISOString(), title: String(t)}, fmtTime(t),
    relative ? h('span', {class: 'muted'}, ` (${fmtAgo(t)})`) : null);
}

// A certificate's expiry: the date, the days left, a warning colour within 30 days.
export function expiryCell(t) {
  const d = parseTime(t);
  if (!d) return '—';
  const days = Math.floor((d.getTime() - Date.now()) / 86400000);
  const cls = days < 0 ? 'expired' : days < 30 ? 'expiring' : '';
  const note = days < 0 ? 'expired' : `${days} d left`;
  return h('time', {datetime: d.toISOString(), title: String(t), class: cls},
    fmtTime(t).slice(0, 10), h('span', {class: 'muted'}, ` (${note})`));
}

// ---- tables ----

// A scrollable table: columns [{label, cls}], returns {wrap, table, tbody}.
export function table(columns, {test, caption} = {}) {
  const tbody = h('tbody');
  const tbl = h('table', {data: test ? {test} : undefined},
    caption ? h('caption', {class: 'visually-hidden'}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', {scope: 'col', class: c.cls}, c.label)))),
    tbody);
  return {wrap: h('div', {class: 'table-wrap'}, tbl), table: tbl, tbody};
}

export function emptyRow(tbody, columns, text) {
  tbody.replaceChildren(h('tr', {class: 'empty'}, h('td', {colspan: columns}, text)));
}

// Brings tbody's rows in line with items, keeping the rows whose item did not change, so a
// refresh does not flicker; the focused control (by its data-test) is focused again after.
const signatures = new WeakMap();
export function syncRows(tbody, items, keyOf, build) {
  const focused = document.activeElement;
  let focusKey = null;
  let focusTest = null;
  if (focused && tbody.contains(focused)) {
    focusKey = focused.closest('tr')?.dataset.key ?? null;
    focusTest = focused.dataset?.test ?? null;
  }
  const old = new Map();
  for (const tr of [...tbody.rows]) {
    if (tr.dataset.key === undefined) tr.remove();
    else old.set(tr.dataset.key, tr);
  }
  let index = 0;
  for (const item of items) {
    const key = String(keyOf(item));
    const sig = JSON.stringify(item);
    let tr = old.get(key);
    if (!tr || signatures.get(tr) !== sig) {
      const fresh = build(item);
      fresh.dataset.key = key;
      signatures.set(fresh, sig);
      if (tr) tr.replaceWith(fresh);
      tr = fresh;
    }
    old.delete(key);
    const at = tbody.rows[index];
    if (at !== tr) tbody.insertBefore(tr, at || null);
    index++;
  }
  for (const tr of old.values()) tr.remove();
  if (focusKey !== null && !tbody.contains(document.activeElement)) {
    const row = [...tbody.rows].find((r) => r.dataset.key === focusKey);
    const target = row && (focusTest ? row.querySelector(`[data-test="${CSS.escape(focusTest)}"]`) : null);
    if (target) target.focus();
  }
}

// A definition list from [label, value] pairs (value: text or a node).
export function dl(pairs, cls = 'facts') {
  return h('dl', {class: cls}, pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

// A readable label from a JSON key: "cert_not_after" -> "Cert not after".
export function keyLabel(key) {
  const s = String(key).replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// Any JSON value as short text (objects and arrays as compact JSON).
export function scalarText(v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// A value for a cell: RFC 3339 times as local times (expiries with the days left), health and
// statuses as badges, anything else as text.
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(\.\d+)?(Z|[+-]\d\d:?\d\d)$/;
export function valueCell(key, v) {
  if (typeof v === 'string' && RFC3339.test(v)) {
    return /not_after|expires|expiry/.test(key) ? expiryCell(v) : timeCell(v);
  }
  if (key.endsWith('_ms') && typeof v === 'number' && v > 1e11) return timeCell(v);
  if (key === 'health') return healthBadge(v);
  if (key === 'status' || key === 'level' || key === 'severity') return statusBadge(v, key);
  return scalarText(v);
}

// A section with a heading: h('section') with h2 and the children.
export function section(title, id, ...children) {
  return h('section', {class: 'card', id, 'aria-labelledby': id ? `${id}-title` : undefined},
    h('h2', {id: id ? `${id}-title` : undefined}, title), children);
}

// Previous/next paging: onMove(newOffset). update(offset, shown, total) after every load.
export function pager(idPrefix, size, onMove) {
  const summary = h('span', {id: `${idPrefix}-summary`, class: 'muted'});
  const prev = h('button', {id: `${idPrefix}-prev`, type: 'button'}, '← Previous');
  const next = h('button', {id: `${idPrefix}-next`, type: 'button'}, 'Next →');
  let offset = 0;
  prev.addEventListener('click', () => onMove(Math.max(0, offset - size)));
  next.addEventListener('click', () => onMove(offset + size));
  return {
    el: h('div', {class: 'pager'}, summary, h('span', {class: 'pager-buttons'}, prev, next)),
    update(at, shown, total) {  // total null: not counted by the server
      offset = at;
      const first = shown ? at + 1 : 0;
      summary.textContent = `${first.toLocaleString()}–${(at + shown).toLocaleString()}` +
        (total === null ? '' : ` of ${total.toLocaleString()}`);
      prev.disabled = at === 0;
      next.disabled = total === null ? shown < size : at + shown >= total;
    },
  };
}

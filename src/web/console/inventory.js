// Discovered Inventory: every computer, paged by the server (100 a page), filtered by name, health,
// role and parent, refreshed every 10 s. The filter lives in the hash (#/inventory?q=..&health=..)
// so a link or a reload keeps it.
import {api, listOf} from './api.js';
import {h, add, fill, HEALTHS, healthBadge, healthLabel, computerLink, roleLabel, ROLE_LABELS, timeCell,
  expiryCell, table, syncRows, emptyRow, pager} from './dom.js';
import {showError} from './notify.js';

const PAGE = 100;

export async function render(main, ctx) {
  const f = {
    q: ctx.params.get('q') || '',
    health: ctx.params.get('health') || '',
    role: ctx.params.get('role') || '',
    parent: ctx.params.get('parent') || '',
    offset: Math.max(0, parseInt(ctx.params.get('offset') || '0', 10) || 0),
  };

  const q = h('input', {id: 'inv-q', type: 'search', value: f.q, placeholder: 'Part of the name',
    autocomplete: 'off', spellcheck: 'false'});
  const health = select('inv-health', 'Any health',
    HEALTHS.map((x) => [x, healthLabel(x)]), f.health);
  const role = select('inv-role', 'Any role', Object.entries(ROLE_LABELS), f.role);
  const parentChip = h('span', {class: 'chip-slot'});
  const pages = pager('inv', PAGE, (offset) => {
    f.offset = offset;
    keepInHash();
    load();
  });
  const updated = h('span', {class: 'muted', data: {test: 'updated'}});
  const columns = [{label: 'Name'}, {label: 'Role'}, {label: 'Health'}, {label: 'Connected through'},
    {label: 'Management server'}, {label: 'Last heartbeat'}, {label: 'Certificate expiry'}];
  const inv = table(columns, {test: 'inventory-table', caption: 'Discovered Inventory'});
  inv.table.id = 'inventory-table';

  add(main,
    h('div', {class: 'page-head'}, h('h1', {tabindex: '-1'}, 'Discovered Inventory'), updated),
    h('form', {class: 'filters', role: 'search', 'aria-label': 'Filter the inventory',
      on: {submit: (e) => e.preventDefault()}},
    h('div', {class: 'field grow'}, h('label', {for: 'inv-q'}, 'Name'), q),
    h('div', {class: 'field'}, h('label', {for: 'inv-health'}, 'Health'), health),
    h('div', {class: 'field'}, h('label', {for: 'inv-role'}, 'Role'), role),
    parentChip),
    h('section', {class: 'card flush', 'aria-label': 'Computers'},
      inv.wrap,
      pages.el));

  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    let data;
    try {
      data = listOf(await api('GET', '/computers', {signal: ctx.signal, query: {
        q: f.q, health: f.health, role: f.role, parent: f.parent, offset: f.offset, limit: PAGE}}));
    } catch (e) {
      if (mine === seq) showError(e, 'Loading the inventory');
      return;
    }
    if (mine !== seq || !ctx.alive()) return;  // a newer request (the filter changed) wins
    if (!data.items.length && f.offset > 0 && data.total) {  // the last page emptied
      f.offset = Math.max(0, Math.floor((data.total - 1) / PAGE) * PAGE);
      keepInHash();
      load();
      return;
    }
    if (!data.items.length) {
      emptyRow(inv.tbody, columns.length, filtered() ? 'No computer matches the filter.' : 'No computers yet.');
    } else {
      syncRows(inv.tbody, data.items, (c) => c.fqdn, row);
    }
    pages.update(f.offset, data.items.length, data.total);
    updated.textContent = `Updated ${new Date().toLocaleTimeString()} · refreshes every 10 s`;
  };

  const filtered = () => Boolean(f.q || f.health || f.role || f.parent);

  // The filter in the hash, without a hashchange (which would build the page again).
  const keepInHash = () => {
    const p = new URLSearchParams();
    for (const k of ['q', 'health', 'role', 'parent']) if (f[k]) p.set(k, f[k]);
    if (f.offset) p.set('offset', String(f.offset));
    const qs = p.toString();
    history.replaceState(null, '', `#/inventory${qs ? `?${qs}` : ''}`);
  };

  const changed = () => {
    f.offset = 0;
    keepInHash();
    load();
  };

  const showParent = () => {
    fill(parentChip, f.parent ? h('span', {class: 'chip'}, 'Connected through ', f.parent,
      h('button', {type: 'button', class: 'ghost small', 'aria-label': `Stop filtering by ${f.parent}`,
        on: {click: () => {
          f.parent = '';
          showParent();
          changed();
        }}}, '✕')) : '');
  };
  showParent();

  let typing = 0;
  q.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      f.q = q.value.trim();
      changed();
    }, 300);
  });
  ctx.onLeave(() => clearTimeout(typing));
  health.addEventListener('change', () => {
    f.health = health.value;
    changed();
  });
  role.addEventListener('change', () => {
    f.role = role.value;
    changed();
  });
  await ctx.every(10000, load);
}

function select(id, anyLabel, options, value) {
  return h('select', {id},
    h('option', {value: ''}, anyLabel),
    options.map(([v, label]) => h('option', {value: v, selected: v === value}, label)));
}

function row(c) {
  return h('tr', {data: {fqdn: c.fqdn}},
    h('th', {scope: 'row'}, computerLink(c.fqdn, 'name')),
    h('td', {}, roleLabel(c.role)),
    h('td', {}, healthBadge(c.health)),
    h('td', {}, computerLink(c.parent, 'parent')),
    h('td', {}, computerLink(c.management_server, 'server')),
    h('td', {}, timeCell(c.last_heartbeat)),
    h('td', {}, expiryCell(c.cert_not_after)));
}

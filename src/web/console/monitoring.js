// Monitoring: the computers of the management group counted by health, and the worst first.
import {api, listOf} from './api.js';
import {h, add, fill, HEALTHS, healthBadge, healthLabel, computerLink, roleLabel, timeCell, dash, table,
  syncRows, emptyRow} from './dom.js';
import {showError} from './notify.js';

export async function render(main, ctx) {
  const updated = h('span', {class: 'muted', data: {test: 'updated'}});
  const tiles = h('ul', {class: 'tiles', id: 'health-tiles', 'aria-label': 'Computers by health'});
  const columns = [{label: 'Name'}, {label: 'Health'}, {label: 'Role'},
    {label: 'Connected through'}, {label: 'Checks'}, {label: 'Last heartbeat'}];
  const worst = table(columns, {test: 'worst-table', caption: 'The worst computers'});
  add(main,
    h('div', {class: 'page-head'}, h('h1', {tabindex: '-1'}, 'Monitoring'), updated),
    tiles,
    h('section', {class: 'card', 'aria-labelledby': 'worst-title'},
      h('div', {class: 'card-head'},
        h('h2', {id: 'worst-title'}, 'Needs attention first'),
        h('a', {href: '#/inventory'}, 'All computers →')),
      worst.wrap));

  const load = async () => {
    let overview;
    let alertTotal = null;
    try {
      const [o, a] = await Promise.all([
        api('GET', '/overview', {signal: ctx.signal}),
        api('GET', '/alerts', {query: {limit: 1}, signal: ctx.signal}).catch(() => null),
      ]);
      overview = o;
      if (a) alertTotal = listOf(a).total;  // null: not counted
    } catch (e) {
      showError(e, 'Loading the overview');
      return;
    }
    if (!ctx.alive()) return;
    const counts = overview?.counts || {};
    const total = Number.isFinite(overview?.total)
      ? overview.total : Object.values(counts).reduce((s, n) => s + (Number(n) || 0), 0);
    const shown = [...HEALTHS, ...Object.keys(counts).filter((k) => !HEALTHS.includes(k))];
    fill(tiles,
      tile('#/inventory', 'Computers', total, 'total', 'tile-total'),
      shown.map((health) => tile(`#/inventory?health=${encodeURIComponent(health)}`,
        healthLabel(health), Number(counts[health]) || 0, health, `tile-${health}`)),
      alertTotal === null ? null
        : tile('#/alerts', 'Active alerts', alertTotal, alertTotal ? 'alerts' : 'total', 'tile-alerts'));
    const items = Array.isArray(overview?.worst) ? overview.worst : [];
    if (!items.length) emptyRow(worst.tbody, columns.length, total ? 'Every computer is healthy.' : 'No computers yet.');
    else syncRows(worst.tbody, items, (c) => c.fqdn, row);
    updated.textContent = `Updated ${new Date().toLocaleTimeString()} · refreshes every 10 s`;
  };
  await ctx.every(10000, load);
}

function tile(href, label, count, kind, test) {
  return h('li', {},
    h('a', {href, class: `tile tile-${kind}${count ? '' : ' zero'}`, data: {test}},
      h('span', {class: 'tile-count', data: {test: 'count'}}, String(count)),
      h('span', {class: 'tile-label'}, label)));
}

function row(c) {
  return h('tr', {data: {fqdn: c.fqdn}},
    h('th', {scope: 'row'}, computerLink(c.fqdn, 'name')),
    h('td', {}, healthBadge(c.health)),
    h('td', {}, roleLabel(c.role)),
    h('td', {}, computerLink(c.parent, 'parent')),
    h('td', {}, dash(c.checks)),
    h('td', {}, timeCell(c.last_heartbeat)));
}

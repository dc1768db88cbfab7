// Refused connections: the connections the management group's servers and gateways refused, one
// row per aggregate (who, from where, why, how often), newest first, each with what it means and
// the fix; filtered by computer. Refreshes every 30 s.
import {api, listOf} from './api.js';
import {h, add, dash, timeCell, table, syncRows, emptyRow, pager, parseTime} from './dom.js';
import {showError} from './notify.js';

const PAGE = 100;

export async function render(main, ctx) {
  const f = {computer: ctx.params.get('computer') || '', offset: 0};
  const computer = h('input', {id: 'refusals-computer', type: 'search', value: f.computer,
    placeholder: 'Any computer', autocomplete: 'off', spellcheck: 'false'});
  const updated = h('span', {class: 'muted', data: {test: 'updated'}});
  const columns = [{label: 'Who'}, {label: 'From'}, {label: 'Cause'}, {label: 'Times', cls: 'num'},
    {label: 'First seen'}, {label: 'Last seen'}, {label: 'Fix'}];
  const list = table(columns, {test: 'refusals-table', caption: 'Refused connections'});
  list.table.id = 'refusals-table';
  const pages = pager('refusals', PAGE, (offset) => {
    f.offset = offset;
    load();
  });
  const form = h('form', {class: 'filters', role: 'search', 'aria-label': 'Filter the refused connections'},
    h('div', {class: 'field grow'}, h('label', {for: 'refusals-computer'}, 'Computer'), computer),
    h('div', {class: 'field end'}, h('button', {type: 'submit', id: 'refusals-filter'}, 'Filter')));
  add(main,
    h('div', {class: 'page-head'}, h('h1', {tabindex: '-1'}, 'Refused Connections'), updated),
    h('p', {class: 'lead'}, 'Connections the servers and gateways of the management group refused ',
      'before admitting them: certificates they do not trust, computers waiting for approval, ',
      'other management groups.'),
    form,
    h('section', {class: 'card flush', 'aria-label': 'Refused connections'}, list.wrap, pages.el));

  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    let data;
    let pending;
    try {
      // The agents waiting for approval: a refused hello of one of them is said so, with its fix.
      const [refusals, waiting] = await Promise.all([
        api('GET', '/refusals', {signal: ctx.signal, query: {computer: f.computer, offset: f.offset, limit: PAGE}}),
        api('GET', '/pending', {signal: ctx.signal, query: {limit: 1000}})]);
      data = listOf(refusals);
      pending = new Set(listOf(waiting).items.map((a) => a.fqdn));
    } catch (e) {
      if (mine === seq) showError(e, 'Loading the refused connections');
      return;
    }
    if (mine !== seq || !ctx.alive()) return;
    const items = [...data.items].sort((a, b) => when(b.last) - when(a.last));
    if (!items.length) {
      emptyRow(list.tbody, columns.length, f.computer
        ? `No refused connection of ${f.computer}.` : 'No connection was refused.');
    } else {
      // waiting is part of the row's item, so a row is built again when it changes.
      syncRows(list.tbody, items.map((r) => ({...r, waiting: pending.has(r.identity)})), keyOf, row);
    }
    pages.update(f.offset, data.items.length, data.total);
    updated.textContent = `Updated ${new Date().toLocaleTimeString()} · refreshes every 30 s`;
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    f.computer = computer.value.trim();
    f.offset = 0;
    history.replaceState(null, '', `#/refusals${f.computer ? `?computer=${encodeURIComponent(f.computer)}` : ''}`);
    load();
  });
  await ctx.every(30000, load);
}

const when = (t) => parseTime(t)?.getTime() || 0;
const keyOf = (r) => [r.reporter, r.identity, r.source, r.event, r.cause].join('\n');

function row(r) {
  const advice = adviceFor(r);
  const subject = r.certificate?.subject;
  const issuer = r.certificate?.issuer;
  return h('tr', {data: {identity: dash(r.identity), cause: dash(r.cause)}},
    h('th', {scope: 'row', class: 'wrap'}, h('span', {data: {test: 'who'}}, r.identity || 'no name'),
      subject ? h('div', {class: 'muted small'}, 'certificate ', subject) : null,
      issuer ? h('div', {class: 'muted small'}, 'issued by ', issuer) : null),
    h('td', {}, h('span', {class: 'mono'}, dash(r.source)),
      r.reporter ? h('div', {class: 'muted small'}, 'refused by ', r.reporter) : null),
    h('td', {class: 'wrap'}, h('span', {data: {test: 'cause'}}, advice.meaning),
      h('div', {class: 'muted small'}, r.event ? `event ${r.event}` : '', r.reason ? ` · ${r.reason}` : '')),
    h('td', {class: 'num', data: {test: 'count'}}, dash(r.count)),
    h('td', {}, timeCell(r.first)),
    h('td', {}, timeCell(r.last)),
    h('td', {class: 'wrap'}, h('span', {data: {test: 'fix'}}, advice.fix, advice.link ?? null)));
}

// What the refusal means and the fix, as the server words them (doctor's advice, the same as
// outpost refusals); r.waiting: the computer is pending approval, which the console links to.
function adviceFor(r) {
  const link = r.waiting
    ? h('div', {}, 'Or approve it in ', h('a', {href: '#/pending'}, 'Pending Management'), '.')
    : null;
  return {meaning: dash(r.meaning), fix: r.fix ?? '', link};
}

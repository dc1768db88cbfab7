// Audit: every change made through the console and the API (and every refused login), newest
// first, filtered by user and target. Administrators only.
import {api, listOf, can} from './api.js';
import {h, add, fill, timeCell, dash, table, emptyRow, pager} from './dom.js';
import {showError} from './notify.js';

const PAGE = 100;

export async function render(main, ctx) {
  add(main, h('div', {class: 'page-head'}, h('h1', {tabindex: '-1'}, 'Audit')));
  if (!can('admin')) {
    add(main, h('p', {class: 'lead'}, 'The audit log is for administrators.'));
    return;
  }
  const f = {user: ctx.params.get('user') || '', target: ctx.params.get('target') || '', offset: 0};
  const user = h('input', {id: 'audit-user', type: 'search', value: f.user, autocomplete: 'off', spellcheck: 'false'});
  const target = h('input', {id: 'audit-target', type: 'search', value: f.target, autocomplete: 'off', spellcheck: 'false'});
  const columns = [{label: 'When'}, {label: 'User'}, {label: 'From'}, {label: 'Action'},
    {label: 'Target'}, {label: 'Result'}, {label: 'Detail'}];
  const list = table(columns, {test: 'audit-table', caption: 'Audit log'});
  list.table.id = 'audit-table';
  const pages = pager('audit', PAGE, (offset) => {
    f.offset = offset;
    load();
  });
  const form = h('form', {class: 'filters', role: 'search', 'aria-label': 'Filter the audit log'},
    h('div', {class: 'field grow'}, h('label', {for: 'audit-user'}, 'User'), user),
    h('div', {class: 'field grow'}, h('label', {for: 'audit-target'}, 'Target'), target),
    h('div', {class: 'field end'}, h('button', {type: 'submit', id: 'audit-filter'}, 'Filter')));
  add(main, form, h('section', {class: 'card flush', 'aria-label': 'Audit entries'}, list.wrap, pages.el));

  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    let data;
    try {
      data = listOf(await api('GET', '/audit', {signal: ctx.signal,
        query: {user: f.user, target: f.target, offset: f.offset, limit: PAGE}}));
    } catch (e) {
      if (mine === seq) showError(e, 'Loading the audit log');
      return;
    }
    if (mine !== seq || !ctx.alive()) return;
    if (!data.items.length) emptyRow(list.tbody, columns.length, 'Nothing recorded.');
    else {
      fill(list.tbody, ...data.items.map((a) => h('tr', {data: {id: String(a.id ?? '')}},
        h('td', {}, timeCell(a.at)),
        h('td', {}, dash(a.user)),
        h('td', {}, dash(a.address)),
        h('td', {class: 'mono'}, dash(a.action)),
        h('td', {}, dash(a.target)),
        h('td', {}, a.ok === false ? h('span', {class: 'badge health-critical'}, 'refused')
          : h('span', {class: 'badge health-healthy'}, 'done')),
        h('td', {class: 'wrap mono'}, dash(a.detail)))));
    }
    pages.update(f.offset, data.items.length, data.total);
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    f.user = user.value.trim();
    f.target = target.value.trim();
    f.offset = 0;
    const p = new URLSearchParams();
    if (f.user) p.set('user', f.user);
    if (f.target) p.set('target', f.target);
    history.replaceState(null, '', `#/audit${p.toString() ? `?${p}` : ''}`);
    load();
  });
  await load();
}

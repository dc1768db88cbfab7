// Maintenance: the computers in maintenance mode (no alerts while it lasts), soonest end first;
// an operator or administrator starts it for a computer (minutes and a reason) and stops it.
// Refreshes every 10 s.
import {api, listOf, can} from './api.js';
import {h, add, computerLink, timeCell, dash, table, syncRows, emptyRow, parseTime} from './dom.js';
import {showError, showNotice, hideError} from './notify.js';
import {suggestComputers} from './suggest.js';

const DURATIONS = [['30', '30 minutes'], ['60', '1 hour'], ['120', '2 hours'], ['240', '4 hours'],
  ['480', '8 hours'], ['1440', '1 day'], ['10080', '1 week']];

export async function render(main, ctx) {
  const mayChange = can('maintenance');
  const updated = h('span', {class: 'muted', data: {test: 'updated'}});
  const columns = [{label: 'Computer'}, {label: 'Until'}, {label: 'Started'}, {label: 'By'},
    {label: 'Reason'}, ...(mayChange ? [{label: 'Actions', cls: 'actions'}] : [])];
  const list = table(columns, {test: 'maintenance-table', caption: 'Computers in maintenance mode'});
  list.table.id = 'maintenance-table';
  add(main,
    h('div', {class: 'page-head'}, h('h1', {tabindex: '-1'}, 'Maintenance'), updated),
    h('p', {class: 'lead'}, 'Computers in maintenance mode raise no alerts until their maintenance ends.',
      mayChange ? '' : ' Your role may look but not start or stop maintenance.'),
    mayChange ? startForm(ctx, () => load()) : null,
    h('section', {class: 'card flush', 'aria-label': 'Computers in maintenance mode'}, list.wrap));

  const busy = new Set();  // computers with a stop in flight: their buttons stay disabled
  const load = async () => {
    let data;
    try {
      data = listOf(await api('GET', '/maintenance', {signal: ctx.signal}));
    } catch (e) {
      showError(e, 'Loading the computers in maintenance');
      return;
    }
    if (!ctx.alive()) return;
    const items = [...data.items].sort((a, b) =>
      (parseTime(a.until)?.getTime() || 0) - (parseTime(b.until)?.getTime() || 0));
    if (!items.length) emptyRow(list.tbody, columns.length, 'No computer is in maintenance mode.');
    else syncRows(list.tbody, items, (w) => w.computer, row);
    updated.textContent = `Updated ${new Date().toLocaleTimeString()} · refreshes every 10 s`;
  };

  const stop = async (fqdn, button) => {
    busy.add(fqdn);
    button.disabled = true;
    try {
      const r = await api('DELETE', `/maintenance/${encodeURIComponent(fqdn)}`, {signal: ctx.signal});
      hideError();
      showNotice(r?.message || `${fqdn} is out of maintenance mode.`);
    } catch (e) {
      showError(e, `Stopping the maintenance of ${fqdn}`);
    } finally {
      busy.delete(fqdn);
      button.disabled = false;
    }
    await load();
  };

  const row = (w) => {
    let button = null;
    if (mayChange) {
      button = h('button', {type: 'button', class: 'small', data: {test: 'stop', fqdn: w.computer},
        'aria-label': `Stop the maintenance of ${w.computer}`}, 'Stop');
      button.addEventListener('click', () => stop(w.computer, button));
      if (busy.has(w.computer)) button.disabled = true;
    }
    return h('tr', {data: {fqdn: w.computer}},
      h('th', {scope: 'row'}, computerLink(w.computer, 'name')),
      h('td', {}, timeCell(w.until)),
      h('td', {}, timeCell(w.started)),
      h('td', {}, dash(w.by)),
      h('td', {class: 'wrap'}, dash(w.reason)),
      mayChange ? h('td', {class: 'actions'}, button) : null);
  };

  await ctx.every(10000, load);
}

// The form that puts a computer in maintenance mode.
function startForm(ctx, reload) {
  const fqdn = h('input', {id: 'mnt-computer', type: 'text', required: true, autocomplete: 'off',
    spellcheck: 'false', autocapitalize: 'none', placeholder: 'agent1.example.com'});
  const names = suggestComputers(fqdn, ctx, 'mnt-computers');
  const minutes = h('select', {id: 'mnt-minutes'},
    DURATIONS.map(([v, l]) => h('option', {value: v, selected: v === '60'}, l)));
  const reason = h('input', {id: 'mnt-reason', type: 'text', maxlength: '1000', placeholder: 'Patching, move, …'});
  const submit = h('button', {type: 'submit', id: 'mnt-start', class: 'primary'}, 'Start maintenance');
  const form = h('form', {class: 'filters in-card', id: 'maintenance-form', 'aria-label': 'Start maintenance mode'},
    h('div', {class: 'field grow'}, h('label', {for: 'mnt-computer'}, 'Computer (FQDN)'), fqdn, names),
    h('div', {class: 'field'}, h('label', {for: 'mnt-minutes'}, 'For'), minutes),
    h('div', {class: 'field grow'}, h('label', {for: 'mnt-reason'}, 'Reason'), reason),
    h('div', {class: 'field end'}, submit));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = fqdn.value.trim();
    if (!name) {
      showError({message: 'Enter the computer\'s name.', fix: 'Its FQDN, as the inventory lists it.'});
      fqdn.focus();
      return;
    }
    submit.disabled = true;
    try {
      const r = await api('POST', '/maintenance', {signal: ctx.signal,
        body: {computer: name, minutes: Number(minutes.value) || 60, reason: reason.value.trim()}});
      hideError();
      showNotice(r?.message || `${name} is in maintenance mode.`);
      fqdn.value = '';
      reason.value = '';
      await reload();
    } catch (err) {
      showError(err, `Starting the maintenance of ${name}`);
    } finally {
      submit.disabled = false;
    }
  });
  return h('section', {class: 'card flush', 'aria-labelledby': 'mnt-title'},
    h('div', {class: 'card-head'}, h('h2', {id: 'mnt-title'}, 'Start maintenance mode')), form);
}

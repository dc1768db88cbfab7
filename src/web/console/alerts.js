// Alerts: filtered by state (and severity, computer), acknowledged and closed with an optional
// comment by an operator or administrator; an alert's history in a panel on click. The list
// refreshes every 30 s.
import {api, listOf, can} from './api.js';
import {h, add, fill, computerLink, statusBadge, timeCell, dash, table, emptyRow, syncRows, dl, pager} from './dom.js';
import {showError, showNotice, hideError} from './notify.js';

const PAGE = 100;
const STATES = [['', 'Active (not resolved)'], ['open', 'Open'], ['acknowledged', 'Acknowledged'],
  ['resolved', 'Resolved'], ['closed', 'Closed'], ['all', 'All']];
const SEVERITIES = [['', 'Any severity'], ['critical', 'Critical'], ['warning', 'Warning']];

export async function render(main, ctx) {
  const mayChange = can('alerts');
  const f = {
    state: ctx.params.get('state') || '',
    severity: ctx.params.get('severity') || '',
    computer: ctx.params.get('computer') || '',
    offset: 0,
  };
  const selected = {id: ctx.params.get('id') || ''};

  const state = h('select', {id: 'alerts-state'},
    STATES.map(([v, l]) => h('option', {value: v, selected: v === f.state}, l)));
  const severity = h('select', {id: 'alerts-severity'},
    SEVERITIES.map(([v, l]) => h('option', {value: v, selected: v === f.severity}, l)));
  const computer = h('input', {id: 'alerts-computer', type: 'search', value: f.computer,
    placeholder: 'Any computer', autocomplete: 'off', spellcheck: 'false'});
  const refresh = h('button', {type: 'button', id: 'alerts-refresh'}, 'Refresh');
  const columns = [{label: 'ID'}, {label: 'Severity'}, {label: 'State'}, {label: 'Computer'},
    {label: 'Monitor'}, {label: 'Summary'}, {label: 'Opened'}, {label: 'Last seen'},
    {label: 'Repeats'}, {label: 'Owner'}, ...(mayChange ? [{label: 'Actions', cls: 'actions'}] : [])];
  const list = table(columns, {test: 'alerts-table', caption: 'Alerts'});
  list.table.id = 'alerts-table';
  const detail = h('section', {class: 'card', id: 'alert-detail', 'aria-live': 'polite', hidden: true});
  const pages = pager('alerts', PAGE, (offset) => {
    f.offset = offset;
    load();
  });

  add(main,
    h('div', {class: 'page-head'}, h('h1', {tabindex: '-1'}, 'Alerts')),
    h('form', {class: 'filters', role: 'search', 'aria-label': 'Filter the alerts',
      on: {submit: (e) => {
        e.preventDefault();
        changed();
      }}},
    h('div', {class: 'field'}, h('label', {for: 'alerts-state'}, 'State'), state),
    h('div', {class: 'field'}, h('label', {for: 'alerts-severity'}, 'Severity'), severity),
    h('div', {class: 'field grow'}, h('label', {for: 'alerts-computer'}, 'Computer'), computer),
    h('div', {class: 'field end'}, refresh)),
    detail,
    h('section', {class: 'card flush', 'aria-label': 'Alert list'}, list.wrap, pages.el));

  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    let data;
    try {
      data = listOf(await api('GET', '/alerts', {signal: ctx.signal, query: {
        state: f.state, severity: f.severity, computer: f.computer, offset: f.offset, limit: PAGE}}));
    } catch (e) {
      if (mine === seq) showError(e, 'Loading the alerts');
      return;
    }
    if (mine !== seq || !ctx.alive()) return;
    if (!data.items.length) emptyRow(list.tbody, columns.length, 'No alert matches the filter.');
    else syncRows(list.tbody, data.items, (a) => a.id, row);
    pages.update(f.offset, data.items.length, data.total);
  };

  const keepInHash = () => {
    const p = new URLSearchParams();
    for (const k of ['state', 'severity', 'computer']) if (f[k]) p.set(k, f[k]);
    if (selected.id) p.set('id', selected.id);
    const qs = p.toString();
    history.replaceState(null, '', `#/alerts${qs ? `?${qs}` : ''}`);
  };

  const changed = () => {
    f.state = state.value;
    f.severity = severity.value;
    f.computer = computer.value.trim();
    f.offset = 0;
    keepInHash();
    load();
  };
  state.addEventListener('change', changed);
  severity.addEventListener('change', changed);
  computer.addEventListener('change', changed);
  refresh.addEventListener('click', () => {
    load();
    if (selected.id) showDetail(selected.id);
  });

  // ---- one alert with its history ----
  const showDetail = async (id) => {
    selected.id = String(id);
    keepInHash();
    let a;
    try {
      a = await api('GET', `/alerts/${encodeURIComponent(id)}`, {signal: ctx.signal});
    } catch (e) {
      showError(e, `Loading alert ${id}`);
      return;
    }
    if (!ctx.alive()) return;
    a = a?.alert && !a.id ? {...a.alert, history: a.history || a.alert.history} : a;
    const history = Array.isArray(a.history) ? a.history : [];
    const hist = table([{label: 'When'}, {label: 'By'}, {label: 'Change'}, {label: 'Detail'}],
      {test: 'alert-history', caption: 'History'});
    if (!history.length) emptyRow(hist.tbody, 4, 'No history.');
    else {
      fill(hist.tbody, ...history.map((x) => h('tr', {},
        h('td', {}, timeCell(x.at)), h('td', {}, dash(x.by)), h('td', {}, dash(x.change)),
        h('td', {class: 'wrap'}, dash(x.detail)))));
    }
    fill(detail,
      h('div', {class: 'card-head'},
        h('h2', {id: 'alert-detail-title'}, `Alert ${a.id}: ${a.monitor || ''}`),
        h('button', {type: 'button', class: 'ghost', 'aria-label': 'Close the alert details',
          on: {click: () => {
            detail.hidden = true;
            selected.id = '';
            keepInHash();
          }}}, '✕')),
      dl([['Summary', dash(a.summary)], ['Computer', computerLink(a.computer)],
        ['Severity', statusBadge(a.severity, 'severity')], ['State', statusBadge(a.state, 'state')],
        ['Opened', timeCell(a.opened)], ['Last seen', timeCell(a.last_seen)],
        ['Ended', timeCell(a.ended)], ['Cause still there', a.cause_lasts === undefined ? '—' : a.cause_lasts ? 'yes' : 'no'],
        ['Repeats', dash(a.repeat_count)], ['Owner', dash(a.owner)], ['Comment', dash(a.comment)]]),
      h('h3', {}, 'History'), hist.wrap);
    detail.setAttribute('aria-labelledby', 'alert-detail-title');
    detail.dataset.id = String(a.id);
    detail.hidden = false;
  };

  // ---- acknowledge / close with an optional comment ----
  const openForm = (tr, a, verb) => {
    tr.parentElement.querySelector('tr.action-row')?.remove();
    const comment = h('input', {id: `comment-${a.id}`, type: 'text', maxlength: '1000',
      data: {test: 'comment'}, placeholder: 'Optional'});
    const label = verb === 'ack' ? 'Acknowledge' : 'Close';
    const confirm = h('button', {type: 'submit', class: verb === 'ack' ? 'primary' : 'danger',
      data: {test: `confirm-${verb}`}}, `${label} alert ${a.id}`);
    const formRow = h('tr', {class: 'action-row', data: {for: String(a.id)}},
      h('td', {colspan: String(columns.length)},
        h('form', {class: 'inline-form', on: {submit: async (e) => {
          e.preventDefault();
          confirm.disabled = true;
          try {
            const answer = await api('POST', `/alerts/${encodeURIComponent(a.id)}/${verb}`,
              {body: {comment: comment.value.trim()}, signal: ctx.signal});
            hideError();
            showNotice(answer?.message || `Alert ${a.id} ${verb === 'ack' ? 'acknowledged' : 'closed'}.`);
            await load();
            if (selected.id === String(a.id)) await showDetail(a.id);
          } catch (err) {
            confirm.disabled = false;
            showError(err, `${label === 'Close' ? 'Closing' : 'Acknowledging'} alert ${a.id}`);
          }
        }}},
        h('label', {for: `comment-${a.id}`}, 'Comment'), comment, confirm,
        h('button', {type: 'button', on: {click: () => formRow.remove()}}, 'Cancel'))));
    tr.after(formRow);
    comment.focus();
  };

  const row = (a) => {
    const tr = h('tr', {data: {id: String(a.id), state: dash(a.state)}, class: 'clickable'});
    const actions = [];
    if (mayChange) {
      if (a.state === 'open') {
        actions.push(h('button', {type: 'button', class: 'small', data: {test: 'ack'},
          on: {click: () => openForm(tr, a, 'ack')}}, 'Acknowledge'));
      }
      if (a.state !== 'closed') {
        actions.push(h('button', {type: 'button', class: 'small', data: {test: 'close'},
          on: {click: () => openForm(tr, a, 'close')}}, 'Close'));
      }
    }
    add(tr,
      h('th', {scope: 'row'}, h('button', {type: 'button', class: 'linkish', data: {test: 'show'},
        'aria-label': `Show alert ${a.id} and its history`, on: {click: () => showDetail(a.id)}}, `#${a.id}`)),
      h('td', {}, statusBadge(a.severity, 'severity')),
      h('td', {}, statusBadge(a.state, 'state')),
      h('td', {}, computerLink(a.computer)),
      h('td', {}, dash(a.monitor)),
      h('td', {class: 'wrap'}, dash(a.summary)),
      h('td', {}, timeCell(a.opened)),
      h('td', {}, timeCell(a.last_seen)),
      h('td', {class: 'num'}, dash(a.repeat_count)),
      h('td', {}, dash(a.owner)),
      mayChange ? h('td', {class: 'actions'}, actions) : null);
    // A click on the row (not on a control) shows the history too.
    tr.addEventListener('click', (e) => {
      if (!e.target.closest('a, button, input, form')) showDetail(a.id);
    });
    return tr;
  };

  // Every 30 s, except while a comment is being written.
  await ctx.every(30000, async () => {
    if (!list.tbody.querySelector('tr.action-row')) await load();
  });
  if (selected.id) await showDetail(selected.id);
}

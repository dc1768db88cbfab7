// Pending Management: agents waiting for approval ([admission] agents = "review"), each with
// Approve and Reject for an administrator.
import {api, listOf, can} from './api.js';
import {h, add, computerLink, timeCell, dash, table, syncRows, emptyRow} from './dom.js';
import {showError, showNotice, hideError} from './notify.js';

export async function render(main, ctx) {
  const admin = can('approve');
  const updated = h('span', {class: 'muted', data: {test: 'updated'}});
  const columns = [{label: 'Name'}, {label: 'Asked'}, {label: 'Approval'},
    ...(admin ? [{label: 'Actions', cls: 'actions'}] : [])];
  const list = table(columns, {test: 'pending-table', caption: 'Agents waiting for approval'});
  list.table.id = 'pending-table';
  add(main,
    h('div', {class: 'page-head'}, h('h1', {tabindex: '-1'}, 'Pending Management'), updated),
    h('p', {class: 'lead'}, 'Agents that asked to join and wait for an administrator to approve them.',
      admin ? '' : ' Your role may look but not approve or reject.'),
    h('section', {class: 'card flush', 'aria-label': 'Pending agents'}, list.wrap));

  const busy = new Set();  // agents with a request in flight: their buttons stay disabled
  const load = async () => {
    let data;
    try {
      data = listOf(await api('GET', '/pending', {signal: ctx.signal}));
    } catch (e) {
      showError(e, 'Loading the pending agents');
      return;
    }
    if (!ctx.alive()) return;
    if (!data.items.length) emptyRow(list.tbody, columns.length, 'No agent is waiting for approval.');
    else syncRows(list.tbody, data.items, (a) => a.fqdn, row);
    updated.textContent = `Updated ${new Date().toLocaleTimeString()} · refreshes every 10 s`;
  };

  const act = async (fqdn, verb, buttons) => {
    if (verb === 'reject' && !window.confirm(`Reject ${fqdn}? Its connection is closed.`)) return;
    busy.add(fqdn);
    for (const b of buttons) b.disabled = true;
    try {
      await api('POST', `/pending/${encodeURIComponent(fqdn)}/${verb}`, {body: {}, signal: ctx.signal});
      hideError();
      showNotice(verb === 'approve' ? `Approved ${fqdn}.` : `Rejected ${fqdn}.`);
    } catch (e) {
      showError(e, `${verb === 'approve' ? 'Approving' : 'Rejecting'} ${fqdn}`);
    } finally {
      busy.delete(fqdn);
      for (const b of buttons) b.disabled = false;
    }
    await load();
  };

  const row = (a) => {
    const buttons = [];
    if (admin) {
      const approve = h('button', {type: 'button', class: 'primary small',
        data: {test: 'approve', fqdn: a.fqdn}, 'aria-label': `Approve ${a.fqdn}`}, 'Approve');
      const reject = h('button', {type: 'button', class: 'danger small',
        data: {test: 'reject', fqdn: a.fqdn}, 'aria-label': `Reject ${a.fqdn}`}, 'Reject');
      buttons.push(approve, reject);
      approve.addEventListener('click', () => act(a.fqdn, 'approve', buttons));
      reject.addEventListener('click', () => act(a.fqdn, 'reject', buttons));
      if (busy.has(a.fqdn)) for (const b of buttons) b.disabled = true;
    }
    return h('tr', {data: {fqdn: a.fqdn}},
      h('th', {scope: 'row'}, computerLink(a.fqdn, 'name'),
        a.parent ? h('div', {class: 'muted small'}, 'through ', a.parent) : null,
        a.address ? h('div', {class: 'muted small'}, 'from ', a.address) : null),
      h('td', {}, timeCell(a.first_seen || a.asked || a.since)),
      h('td', {}, dash(a.approval)),
      admin ? h('td', {class: 'actions'}, buttons) : null);
  };

  await ctx.every(10000, load);
}

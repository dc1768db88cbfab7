// Administration: gateways (approve, remove, failover list), management servers, and users.
// Every role sees gateways and servers; only an administrator changes them or sees the users.
import {api, listOf, can, currentSession} from './api.js';
import {h, add, fill, computerLink, healthBadge, timeCell, expiryCell, dash, table, emptyRow, keyLabel,
  valueCell} from './dom.js';
import {showError, showNotice, hideError} from './notify.js';

export async function render(main, ctx) {
  const admin = can('admin');
  const gateways = h('section', {class: 'card flush', id: 'gateways', 'aria-labelledby': 'gateways-title'});
  const servers = h('section', {class: 'card flush', id: 'servers', 'aria-labelledby': 'servers-title'});
  const users = admin ? h('section', {class: 'card flush', id: 'users', 'aria-labelledby': 'users-title'}) : null;
  add(main, h('div', {class: 'page-head'}, h('h1', {tabindex: '-1'}, 'Administration')),
    admin ? null : h('p', {class: 'lead'}, 'Your role may look; an administrator makes the changes.'),
    gateways, servers, users);

  let serverNames = [];
  const loadServers = async () => {
    let list;
    try {
      list = listOf(await api('GET', '/servers', {signal: ctx.signal})).items;
    } catch (e) {
      showError(e, 'Loading the management servers');
      return;
    }
    if (!ctx.alive()) return;
    serverNames = list.map((s) => s.fqdn || s.name).filter(Boolean);
    showServers(servers, list);
  };
  const loadGateways = async () => {
    let list;
    try {
      list = listOf(await api('GET', '/gateways', {signal: ctx.signal})).items;
    } catch (e) {
      showError(e, 'Loading the gateways');
      return;
    }
    if (!ctx.alive()) return;
    showGateways(gateways, list, {admin, ctx, reload: loadGateways, serverNames: () => serverNames});
  };
  const loadUsers = async () => {
    let list;
    try {
      list = listOf(await api('GET', '/users', {signal: ctx.signal})).items;
    } catch (e) {
      showError(e, 'Loading the users');
      return;
    }
    if (!ctx.alive()) return;
    showUsers(users, list, {ctx, reload: loadUsers});
  };
  await Promise.all([loadServers(), loadGateways(), admin ? loadUsers() : null]);
}

// The gateway's failover list: the field the API names it, primary first.
function failoverOf(g) {
  for (const key of ['failover', 'parents', 'failover_list', 'failover_servers']) {
    if (Array.isArray(g[key])) return g[key].map(String);
  }
  return [];
}

const namesFrom = (text) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

function showGateways(el, list, {admin, ctx, reload, serverNames}) {
  const withHealth = list.some((g) => g.health);
  const columns = [{label: 'Name'}, ...(withHealth ? [{label: 'Health'}] : []), {label: 'Connection'},
    {label: 'Failover management servers (primary first)'}, {label: 'First seen'},
    ...(admin ? [{label: 'Actions', cls: 'actions'}] : [])];
  const t = table(columns, {test: 'gateways-table', caption: 'Gateways'});
  t.table.id = 'gateways-table';
  if (!list.length) emptyRow(t.tbody, columns.length, 'No gateway is approved.');

  const remove = async (g, button) => {
    if (!window.confirm(`Remove gateway ${g.fqdn}? Its agents lose this way to the management group.`)) return;
    button.disabled = true;
    try {
      const r = await api('DELETE', `/gateways/${encodeURIComponent(g.fqdn)}`, {signal: ctx.signal});
      hideError();
      showNotice(r?.message || `Gateway ${g.fqdn} removed.`);
      await reload();
    } catch (e) {
      button.disabled = false;
      showError(e, `Removing ${g.fqdn}`);
    }
  };

  const failoverCell = (g, td) => {
    const names = failoverOf(g);
    const shown = h('div', {class: 'failover-view'},
      names.length ? h('ol', {class: 'names', data: {test: 'failover', names: names.join(',')}},
        names.map((n, i) => h('li', {}, n, i === 0 ? h('span', {class: 'muted'}, ' (primary)') : null)))
        : h('span', {class: 'muted', data: {test: 'failover', names: ''}}, 'none set'));
    fill(td, shown);
    if (!admin) return;
    const edit = h('button', {type: 'button', class: 'small', data: {test: 'edit-failover'},
      'aria-label': `Edit the failover list of ${g.fqdn}`}, 'Edit');
    add(shown, edit);
    edit.addEventListener('click', () => {
      const id = `failover-${g.fqdn.replace(/[^A-Za-z0-9-]/g, '-')}`;
      const input = h('input', {id, type: 'text', value: names.join(', '), spellcheck: 'false',
        autocomplete: 'off', data: {test: 'failover-input'}, 'aria-describedby': `${id}-hint`});
      const save = h('button', {type: 'submit', class: 'primary small', data: {test: 'failover-save'}}, 'Save');
      const cancel = h('button', {type: 'button', class: 'small', data: {test: 'failover-cancel'}}, 'Cancel');
      const known = serverNames();
      const form = h('form', {class: 'inline-form'},
        h('label', {for: id, class: 'visually-hidden'}, `Failover list of ${g.fqdn}`), input, save, cancel,
        h('small', {id: `${id}-hint`, class: 'muted block'}, 'Comma-separated, primary first.',
          known.length ? ` Servers: ${known.join(', ')}.` : ''));
      cancel.addEventListener('click', () => failoverCell(g, td));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const parents = namesFrom(input.value);
        save.disabled = true;
        try {
          const r = await api('PUT', `/gateways/${encodeURIComponent(g.fqdn)}/failover`,
            {signal: ctx.signal, body: {parents}});
          hideError();
          showNotice(r?.message || `Failover list of ${g.fqdn} saved: ${parents.join(', ')}.`);
          await reload();
        } catch (err) {
          save.disabled = false;
          showError(err, `Saving the failover list of ${g.fqdn}`);
        }
      });
      fill(td, form);
      input.focus();
    });
  };

  for (const g of list) {
    const td = h('td', {class: 'failover'});
    failoverCell(g, td);
    const removeButton = admin ? h('button', {type: 'button', class: 'danger small', data: {test: 'remove-gateway'},
      'aria-label': `Remove gateway ${g.fqdn}`}, 'Remove') : null;
    removeButton?.addEventListener('click', () => remove(g, removeButton));
    add(t.tbody, h('tr', {data: {fqdn: g.fqdn}},
      h('th', {scope: 'row'}, computerLink(g.fqdn, 'name')),
      withHealth ? h('td', {}, g.health ? healthBadge(g.health) : '—') : null,
      h('td', {}, g.server_initiates ? `the server dials ${dash(g.address)}` : 'the gateway connects'),
      td,
      h('td', {}, timeCell(g.approved || g.first_seen, {relative: false})),
      admin ? h('td', {class: 'actions'}, removeButton) : null));
  }

  fill(el, h('div', {class: 'card-head'}, h('h2', {id: 'gateways-title'}, 'Gateways')), t.wrap,
    admin ? approveGatewayForm(ctx, reload) : null);
}

function approveGatewayForm(ctx, reload) {
  const fqdn = h('input', {id: 'gw-fqdn', type: 'text', required: true, spellcheck: 'false',
    autocomplete: 'off', placeholder: 'gw2.example.com'});
  const dials = h('input', {id: 'gw-server-initiates', type: 'checkbox'});
  const address = h('input', {id: 'gw-address', type: 'text', placeholder: 'host:5723', disabled: true,
    spellcheck: 'false', autocomplete: 'off'});
  const submit = h('button', {type: 'submit', id: 'gw-approve', class: 'primary'}, 'Approve gateway');
  dials.addEventListener('change', () => {
    address.disabled = !dials.checked;
  });
  const form = h('form', {class: 'filters in-card', id: 'approve-gateway-form', 'aria-label': 'Approve a gateway'},
    h('div', {class: 'field grow'}, h('label', {for: 'gw-fqdn'}, 'Gateway to approve (FQDN)'), fqdn),
    h('div', {class: 'field check'}, dials, h('label', {for: 'gw-server-initiates'}, 'The server dials it')),
    h('div', {class: 'field'}, h('label', {for: 'gw-address'}, 'Address'), address),
    h('div', {class: 'field end'}, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = fqdn.value.trim();
    if (!name) {
      showError({message: 'Enter the gateway\'s name.', fix: 'The FQDN that is the subject of its certificate.'});
      fqdn.focus();
      return;
    }
    submit.disabled = true;
    try {
      const r = await api('POST', `/gateways/${encodeURIComponent(name)}/approve`, {signal: ctx.signal,
        body: {server_initiates: dials.checked, address: dials.checked ? address.value.trim() : ''}});
      hideError();
      showNotice(r?.message || `Gateway ${name} approved.`);
      fqdn.value = '';
      await reload();
    } catch (err) {
      showError(err, `Approving gateway ${name}`);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

// Servers as the API gives them (rows of the inventory): name, health, last heartbeat and
// certificate expiry, then any other field the rows have that says something about a server.
const SERVER_SKIP = new Set(['fqdn', 'name', 'health', 'last_heartbeat', 'cert_not_after', 'role',
  'management_server', 'parent', 'approval', 'heartbeat', 'checks', 'maintenance_until']);
function showServers(el, list) {
  const keys = [];
  for (const s of list) {
    for (const [k, v] of Object.entries(s)) {
      if (!SERVER_SKIP.has(k) && !keys.includes(k) && (v === null || typeof v !== 'object')) keys.push(k);
    }
  }
  const columns = [{label: 'Name'}, {label: 'Health'}, {label: 'Last heartbeat'},
    {label: 'Certificate expiry'}, ...keys.map((k) => ({label: keyLabel(k)}))];
  const t = table(columns, {test: 'servers-table', caption: 'Management servers'});
  t.table.id = 'servers-table';
  if (!list.length) emptyRow(t.tbody, columns.length, 'No management server is known.');
  else {
    fill(t.tbody, ...list.map((s) => h('tr', {data: {fqdn: s.fqdn || s.name || ''}},
      h('th', {scope: 'row'}, computerLink(s.fqdn || s.name, 'name')),
      h('td', {}, s.health ? healthBadge(s.health) : '—'),
      h('td', {}, timeCell(s.last_heartbeat)),
      h('td', {}, expiryCell(s.cert_not_after)),
      keys.map((k) => h('td', {}, valueCell(k, s[k]))))));
  }
  fill(el, h('div', {class: 'card-head'}, h('h2', {id: 'servers-title'}, 'Management servers')), t.wrap);
}

const ROLES = [['read-only', 'Read-only operator'], ['operator', 'Operator'], ['administrator', 'Administrator']];

function showUsers(el, list, {ctx, reload}) {
  const me = currentSession()?.user;
  const columns = [{label: 'Name'}, {label: 'Role'}, {label: 'Created'}, {label: 'Last login'}, {label: 'Actions', cls: 'actions'}];
  const t = table(columns, {test: 'users-table', caption: 'Users'});
  t.table.id = 'users-table';
  if (!list.length) emptyRow(t.tbody, columns.length, 'No users.');
  for (const u of list) {
    const del = h('button', {type: 'button', class: 'danger small', data: {test: 'delete-user'},
      'aria-label': `Remove user ${u.name}`}, 'Remove');
    del.addEventListener('click', async () => {
      const self = u.name === me ? ' That is you: your session ends too.' : '';
      if (!window.confirm(`Remove user ${u.name}? Their sessions end.${self}`)) return;
      del.disabled = true;
      try {
        const r = await api('DELETE', `/users/${encodeURIComponent(u.name)}`, {signal: ctx.signal});
        hideError();
        showNotice(r?.message || `User ${u.name} removed.`);
        await reload();
      } catch (e) {
        del.disabled = false;
        showError(e, `Removing ${u.name}`);
      }
    });
    add(t.tbody, h('tr', {data: {name: u.name}},
      h('th', {scope: 'row'}, u.name, u.name === me ? h('span', {class: 'muted'}, ' (you)') : null),
      h('td', {}, dash(u.role)),
      h('td', {}, timeCell(u.created, {relative: false})),
      h('td', {}, u.last_login ? timeCell(u.last_login) : 'never'),
      h('td', {class: 'actions'}, del)));
  }

  const name = h('input', {id: 'user-name', type: 'text', required: true, autocomplete: 'off',
    spellcheck: 'false', autocapitalize: 'none'});
  const role = h('select', {id: 'user-role'}, ROLES.map(([v, l]) => h('option', {value: v}, l)));
  const password = h('input', {id: 'user-password', type: 'password', required: true, autocomplete: 'new-password'});
  const addButton = h('button', {type: 'submit', id: 'user-add', class: 'primary'}, 'Add user');
  const form = h('form', {class: 'filters in-card', id: 'add-user-form', 'aria-label': 'Add a user'},
    h('div', {class: 'field grow'}, h('label', {for: 'user-name'}, 'New user'), name),
    h('div', {class: 'field'}, h('label', {for: 'user-role'}, 'Role'), role),
    h('div', {class: 'field grow'}, h('label', {for: 'user-password'}, 'Password'), password),
    h('div', {class: 'field end'}, addButton));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!name.value.trim() || !password.value) {
      showError({message: 'Enter a name and a password for the new user.'});
      return;
    }
    addButton.disabled = true;
    try {
      const r = await api('POST', '/users', {signal: ctx.signal,
        body: {name: name.value.trim(), role: role.value, password: password.value}});
      hideError();
      showNotice(r?.message || `User ${name.value.trim()} added.`);
      name.value = '';
      password.value = '';
      await reload();
    } catch (err) {
      showError(err, 'Adding the user');
    } finally {
      addButton.disabled = false;
    }
  });
  fill(el, h('div', {class: 'card-head'}, h('h2', {id: 'users-title'}, 'Users')), t.wrap, form);
}

// One computer: health, parent, certificate, checks, active alerts, recent events, a performance
// chart (uPlot: the average with the min/max band) and the management server's doctor view.
import {api, can} from './api.js';
import {h, add, fill, healthBadge, statusBadge, computerLink, roleLabel, timeCell, expiryCell, dash, table,
  emptyRow, dl, keyLabel, valueCell, parseTime} from './dom.js';
import {showError, showNotice, hideError} from './notify.js';
import {performanceChart} from './chart.js';

export async function render(main, ctx) {
  const fqdn = ctx.args[0];
  const enc = encodeURIComponent(fqdn);
  const title = h('h1', {tabindex: '-1', id: 'computer-name'}, fqdn);
  const badge = h('span', {id: 'computer-health'});
  const refresh = h('button', {type: 'button', id: 'computer-refresh'}, 'Refresh');
  const summary = h('section', {class: 'card', id: 'computer-summary', 'aria-label': 'Summary'});
  const maintenance = h('section', {class: 'card', id: 'computer-maintenance',
    'aria-labelledby': 'maintenance-title', hidden: true});
  const certificate = h('section', {class: 'card', id: 'computer-certificate', 'aria-labelledby': 'certificate-title'});
  const checks = h('section', {class: 'card wide', id: 'computer-checks', 'aria-labelledby': 'checks-title'});
  const alerts = h('section', {class: 'card wide', id: 'computer-alerts', 'aria-labelledby': 'alerts-title'});
  const perf = h('section', {class: 'card wide', id: 'computer-performance', 'aria-labelledby': 'performance-title'});
  const events = h('section', {class: 'card wide', id: 'computer-events', 'aria-labelledby': 'events-title'});
  const doctor = h('section', {class: 'card wide', id: 'computer-doctor', 'aria-labelledby': 'doctor-title'});
  const parents = h('section', {class: 'card', id: 'computer-parents', 'aria-labelledby': 'parents-title', hidden: true});

  add(main,
    h('div', {class: 'page-head'},
      h('div', {class: 'title-line'}, title, badge),
      h('span', {class: 'head-tools'}, h('a', {href: '#/inventory'}, '← Discovered Inventory'), refresh)),
    h('div', {class: 'grid'}, summary, certificate, maintenance, parents, alerts, checks, perf, events, doctor));

  const chart = performanceChart(perf, fqdn, ctx);

  const load = async () => {
    let d;
    try {
      d = await api('GET', `/computers/${enc}`, {signal: ctx.signal});
    } catch (e) {
      showError(e, `Loading ${fqdn}`);
      if (e.status === 404) fill(summary, h('p', {}, `The management group knows no computer named ${fqdn}.`));
      return;
    }
    if (!ctx.alive()) return;
    const c = d?.computer || {};
    fill(badge, healthBadge(c.health));
    showSummary(summary, c);
    showMaintenance(maintenance, c, fqdn, ctx, load);
    showParents(parents, c, Array.isArray(d?.parents) ? d.parents : null, fqdn, ctx, load);
    showCertificate(certificate, d?.certificate, c);
    showChecks(checks, Array.isArray(d?.checks) ? d.checks : []);
    showAlerts(alerts, Array.isArray(d?.alerts) ? d.alerts : [], fqdn);
    showEvents(events, Array.isArray(d?.events) ? d.events : []);
    chart.setCounters(Array.isArray(d?.counters) ? d.counters : []);
  };

  const loadDoctor = async () => {
    fill(doctor, h('h2', {id: 'doctor-title'}, 'Doctor'), h('p', {class: 'muted'}, 'Asking the management server…'));
    let r;
    try {
      r = await api('GET', `/computers/${enc}/doctor`, {signal: ctx.signal});
    } catch (e) {
      if (!ctx.alive() || e.name === 'AbortError') return;
      fill(doctor, h('h2', {id: 'doctor-title'}, 'Doctor'),
        h('p', {class: 'muted'}, `The doctor view could not be had: ${e.message}`));
      return;
    }
    if (!ctx.alive()) return;
    showDoctor(doctor, r);
  };

  refresh.addEventListener('click', () => {
    load();
    loadDoctor();
    chart.reload();
  });
  await Promise.all([load(), loadDoctor()]);
}

function showSummary(el, c) {
  fill(el, h('h2', {}, 'Summary'), dl([
    ['Role', roleLabel(c.role)],
    ['Health', healthBadge(c.health)],
    ['Heartbeat', c.heartbeat ? healthBadge(c.heartbeat, 'heartbeat') : '—'],
    ['Connected through', computerLink(c.parent, 'parent')],
    ['Management server', computerLink(c.management_server, 'server')],
    ['Approval', dash(c.approval)],
    ['Last heartbeat', timeCell(c.last_heartbeat)],
    ['Certificate expiry', expiryCell(c.cert_not_after)],
    ['Worst check', dash(c.checks)],
    ['Maintenance until', c.maintenance_until ? timeCell(c.maintenance_until) : 'not in maintenance'],
  ]));
}

function showMaintenance(el, c, fqdn, ctx, reload) {
  if (!can('maintenance')) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  const head = h('h2', {id: 'maintenance-title'}, 'Maintenance mode');
  if (c.maintenance_until) {
    const stop = h('button', {type: 'button', id: 'maintenance-stop', class: 'primary'}, 'End maintenance mode');
    stop.addEventListener('click', async () => {
      stop.disabled = true;
      try {
        const r = await api('DELETE', `/maintenance/${encodeURIComponent(fqdn)}`, {signal: ctx.signal});
        hideError();
        showNotice(r?.message || `${fqdn} is out of maintenance mode.`);
        await reload();
      } catch (e) {
        stop.disabled = false;
        showError(e, 'Ending maintenance mode');
      }
    });
    fill(el, head, h('p', {}, 'In maintenance (no alerts) until ', timeCell(c.maintenance_until), '.'), stop);
    return;
  }
  const minutes = h('input', {id: 'maintenance-minutes', type: 'number', min: '1', max: '525600', value: '60', required: true});
  const reason = h('input', {id: 'maintenance-reason', type: 'text', maxlength: '500', placeholder: 'Patching, move, …'});
  const start = h('button', {type: 'submit', id: 'maintenance-start', class: 'primary'}, 'Start maintenance mode');
  const form = h('form', {class: 'stack'},
    h('div', {class: 'field'}, h('label', {for: 'maintenance-minutes'}, 'Minutes'), minutes),
    h('div', {class: 'field'}, h('label', {for: 'maintenance-reason'}, 'Reason'), reason),
    h('div', {}, start));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    start.disabled = true;
    try {
      const r = await api('POST', '/maintenance', {signal: ctx.signal,
        body: {computer: fqdn, minutes: Number(minutes.value) || 60, reason: reason.value.trim()}});
      hideError();
      showNotice(r?.message || `${fqdn} is in maintenance mode.`);
      await reload();
    } catch (err) {
      start.disabled = false;
      showError(err, 'Starting maintenance mode');
    }
  });
  fill(el, head, h('p', {class: 'muted'}, 'No alerts are raised for the computer while it lasts.'), form);
}

// An agent's parents (gateways or servers, primary first): administrators change them.
function showParents(el, c, parentList, fqdn, ctx, reload) {
  if (!can('admin') || c.role !== 'agent') {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  const list = parentList || (c.parent ? [c.parent] : []);
  const input = h('input', {id: 'parents-input', type: 'text', value: list.join(', '),
    spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'parents-hint'});
  const save = h('button', {type: 'submit', id: 'parents-save', class: 'primary'}, 'Save parents');
  const form = h('form', {class: 'stack'},
    h('div', {class: 'field'}, h('label', {for: 'parents-input'}, 'Parents, primary first'), input,
      h('small', {id: 'parents-hint', class: 'muted'}, 'Comma-separated names of gateways or management servers.')),
    h('div', {}, save));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const names = input.value.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
    save.disabled = true;
    try {
      const r = await api('PUT', `/agents/${encodeURIComponent(fqdn)}/parents`, {signal: ctx.signal, body: {parents: names}});
      hideError();
      showNotice(r?.message || `Parents of ${fqdn} saved.`);
      await reload();
    } catch (err) {
      showError(err, 'Saving the parents');
    } finally {
      save.disabled = false;
    }
  });
  fill(el, h('h2', {id: 'parents-title'}, 'Parents (failover)'), form);
}

function showCertificate(el, cert, c) {
  const head = h('h2', {id: 'certificate-title'}, 'Certificate');
  if (!cert || typeof cert !== 'object' || !Object.keys(cert).length) {
    fill(el, head, c.cert_not_after
      ? dl([['Expires', expiryCell(c.cert_not_after)]]) : h('p', {class: 'muted'}, 'No certificate seen yet.'));
    return;
  }
  fill(el, head, dl(Object.entries(cert).map(([k, v]) => [keyLabel(k), valueCell(k, v)]), 'facts certificate'));
}

function showChecks(el, checks) {
  const columns = [{label: 'Check'}, {label: 'Status'}, {label: 'Output'}, {label: 'When'}];
  const t = table(columns, {test: 'checks-table', caption: 'Checks'});
  if (!checks.length) emptyRow(t.tbody, columns.length, 'No checks reported.');
  else {
    fill(t.tbody, ...checks.map((x) => {
      const data = x.data && typeof x.data === 'object' ? x.data : {};
      const when = x.produced ?? x.produced_ms ?? x.at ?? x.time;
      return h('tr', {},
        h('th', {scope: 'row'}, dash(x.name ?? data.name)),
        h('td', {}, statusBadge(x.status ?? data.status ?? 'unknown')),
        h('td', {class: 'wrap mono'}, dash(x.output ?? data.output)),
        h('td', {}, timeCell(when)));
    }));
  }
  fill(el, h('h2', {id: 'checks-title'}, 'Checks'), t.wrap);
}

function showAlerts(el, alerts, fqdn) {
  const columns = [{label: 'ID'}, {label: 'Severity'}, {label: 'State'}, {label: 'Monitor'},
    {label: 'Summary'}, {label: 'Opened'}];
  const t = table(columns, {test: 'computer-alerts', caption: 'Active alerts'});
  if (!alerts.length) emptyRow(t.tbody, columns.length, 'No active alerts.');
  else {
    fill(t.tbody, ...alerts.map((a) => h('tr', {data: {id: String(a.id)}},
      h('th', {scope: 'row'}, h('a', {href: `#/alerts?state=all&computer=${encodeURIComponent(fqdn)}&id=${encodeURIComponent(a.id)}`}, `#${a.id}`)),
      h('td', {}, statusBadge(a.severity, 'severity')),
      h('td', {}, statusBadge(a.state, 'state')),
      h('td', {}, dash(a.monitor)),
      h('td', {class: 'wrap'}, dash(a.summary)),
      h('td', {}, timeCell(a.opened)))));
  }
  fill(el,
    h('div', {class: 'card-head'}, h('h2', {id: 'alerts-title'}, 'Active alerts'),
      h('a', {href: `#/alerts?computer=${encodeURIComponent(fqdn)}`}, 'All its alerts →')),
    t.wrap);
}

// Events as the API gives them: flat ({level, source, message, ...}) or as stored items
// ({produced, name, data: {rule, message, source, level}}).
function showEvents(el, events) {
  const columns = [{label: 'When'}, {label: 'Level'}, {label: 'Source'}, {label: 'Message'}];
  const t = table(columns, {test: 'events-table', caption: 'Recent events'});
  if (!events.length) emptyRow(t.tbody, columns.length, 'No events received.');
  else {
    const rows = events.map((e) => {
      const data = e.data && typeof e.data === 'object' ? e.data : {};
      return {
        when: e.produced ?? e.at ?? e.time ?? e.t_ms ?? e.produced_ms,
        level: e.level ?? data.level,
        source: e.source ?? data.source ?? data.rule ?? e.rule ?? e.name,
        message: e.message ?? data.message ?? e.text,
      };
    });
    rows.sort((a, b) => (parseTime(b.when)?.getTime() || 0) - (parseTime(a.when)?.getTime() || 0));
    fill(t.tbody, ...rows.map((r) => h('tr', {},
      h('td', {}, timeCell(r.when)),
      h('td', {}, r.level ? statusBadge(r.level, 'level') : '—'),
      h('td', {}, dash(r.source)),
      h('td', {class: 'wrap mono'}, dash(r.message)))));
  }
  fill(el, h('h2', {id: 'events-title'}, 'Recent events'), t.wrap);
}

// {"checks": [{"status", "title", "detail", "fix"}]} (title/detail also as name/evidence).
function showDoctor(el, report) {
  const checks = Array.isArray(report?.checks) ? report.checks : [];
  const items = checks.map((x) => h('li', {class: `finding status-${String(x.status).toLowerCase()}`, data: {test: 'finding'}},
    h('div', {class: 'finding-head'}, statusBadge(x.status), h('strong', {}, dash(x.title ?? x.name ?? x.check))),
    (x.detail ?? x.evidence) ? h('p', {class: 'wrap'}, x.detail ?? x.evidence) : null,
    x.fix ? h('p', {class: 'fix'}, h('span', {class: 'fix-label'}, 'Fix: '), x.fix) : null));
  fill(el,
    h('h2', {id: 'doctor-title'}, 'Doctor'),
    report?.heading ? h('p', {class: 'muted'}, report.heading) : null,
    items.length ? h('ol', {class: 'findings', id: 'doctor-findings'}, items)
      : h('p', {class: 'muted'}, 'The doctor has nothing to report.'));
}

// Events: what the computers' [[collect.log]] rules sent, newest first. GET /api/v1/events answers
// one computer's events (?computer= is required), so without a computer the page shows the newest
// events of the first computers of the inventory (worst first); with one, all of its events,
// 100 more at a time. The rule and the level filter what is loaded. Refreshes every 15 s.
import {api, listOf} from './api.js';
import {h, add, computerLink, statusBadge, timeCell, dash, table, syncRows, emptyRow,
  parseTime} from './dom.js';
import {showError} from './notify.js';
import {suggestComputers} from './suggest.js';

const PAGE = 100;
const GROUP_COMPUTERS = 25;  // the group view asks this many computers...
const GROUP_EACH = 20;  // ...for this many events each
const LEVELS = [['', 'Any level'], ['error', 'Error'], ['warning', 'Warning'], ['info', 'Info']];

export async function render(main, ctx) {
  const f = {
    computer: ctx.params.get('computer') || '',
    rule: ctx.params.get('rule') || '',
    level: ctx.params.get('level') || '',
  };
  const computer = h('input', {id: 'events-computer', type: 'search', value: f.computer,
    placeholder: 'Every computer', autocomplete: 'off', spellcheck: 'false'});
  const names = suggestComputers(computer, ctx, 'events-computers');
  const rule = h('input', {id: 'events-rule', type: 'search', value: f.rule, placeholder: 'Any rule',
    autocomplete: 'off', spellcheck: 'false'});
  const level = h('select', {id: 'events-level'},
    LEVELS.map(([v, l]) => h('option', {value: v, selected: v === f.level}, l)));
  const updated = h('span', {class: 'muted', data: {test: 'updated'}});
  const scope = h('p', {class: 'lead', id: 'events-scope'});
  const columns = [{label: 'When'}, {label: 'Computer'}, {label: 'Event'}, {label: 'Source'},
    {label: 'Message'}];
  const list = table(columns, {test: 'events-table', caption: 'Events'});
  list.table.id = 'events-table';
  const summary = h('span', {id: 'events-summary', class: 'muted'});
  const more = h('button', {type: 'button', id: 'events-more', hidden: true}, 'Load 100 more');
  const form = h('form', {class: 'filters', role: 'search', 'aria-label': 'Filter the events'},
    h('div', {class: 'field grow'}, h('label', {for: 'events-computer'}, 'Computer'), computer, names),
    h('div', {class: 'field'}, h('label', {for: 'events-rule'}, 'Rule'), rule),
    h('div', {class: 'field'}, h('label', {for: 'events-level'}, 'Level'), level),
    h('div', {class: 'field end'}, h('button', {type: 'submit', id: 'events-show'}, 'Show')));
  add(main,
    h('div', {class: 'page-head'}, h('h1', {tabindex: '-1'}, 'Events'), updated),
    form, scope,
    h('section', {class: 'card flush', 'aria-label': 'Event list'}, list.wrap,
      h('div', {class: 'pager'}, summary, h('span', {class: 'pager-buttons'}, more))));

  // What is loaded: key -> event ({key, computer, seq, when, ms, rule, level, source, message}).
  let events = new Map();
  let total = null;  // the chosen computer's event count (null in the group view)
  let seq = 0;

  const show = () => {
    const wanted = [...events.values()].filter((e) =>
      (!f.rule || e.rule.toLowerCase().includes(f.rule.toLowerCase())) && (!f.level || e.level === f.level));
    wanted.sort((a, b) => b.ms - a.ms || b.seq - a.seq);
    if (!wanted.length) {
      emptyRow(list.tbody, columns.length, events.size ? 'No event matches the filter.'
        : f.computer ? `${f.computer} sent no events.` : 'No events received.');
    } else {
      syncRows(list.tbody, wanted, (e) => e.key, row);
    }
    const hidden = events.size - wanted.length;
    summary.textContent = `${wanted.length.toLocaleString()} shown` +
      (hidden ? ` (${hidden.toLocaleString()} filtered out)` : '') +
      (total !== null ? ` · ${events.size.toLocaleString()} of ${total.toLocaleString()} loaded` : '');
    more.hidden = total === null || events.size >= total;
    updated.textContent = `Updated ${new Date().toLocaleTimeString()} · refreshes every 15 s`;
  };

  const remember = (name, items) => {
    for (const item of items) {
      const e = flat(name, item);
      events.set(e.key, e);
    }
  };

  // One computer: its newest page, then only what came since the newest loaded.
  const loadComputer = async (mine, reset) => {
    const newest = reset ? null : Math.max(...[...events.values()].map((e) => e.ms), -1);
    const query = {computer: f.computer, limit: newest === null || newest < 0 ? PAGE : 1000};
    if (newest !== null && newest >= 0) query.since_ms = newest;
    const data = listOf(await api('GET', '/events', {signal: ctx.signal, query}));
    if (mine !== seq || !ctx.alive()) return;
    if (query.since_ms !== undefined && data.total !== null && data.total > data.items.length) {
      await loadComputer(mine, true);  // too many new ones to fill the gap: start again
      return;
    }
    if (reset) events = new Map();
    const before = events.size;
    remember(f.computer, data.items);
    total = query.since_ms === undefined ? data.total : (total ?? 0) + (events.size - before);
  };

  // The group: the newest events of the first computers of the inventory.
  const loadGroup = async (mine) => {
    const computers = listOf(await api('GET', '/computers', {signal: ctx.signal,
      query: {limit: GROUP_COMPUTERS}}));
    const answers = await Promise.all(computers.items.map((c) =>
      api('GET', '/events', {signal: ctx.signal, query: {computer: c.fqdn, limit: GROUP_EACH}})
        .then((d) => [c.fqdn, listOf(d).items])));
    if (mine !== seq || !ctx.alive()) return;
    events = new Map();
    for (const [name, items] of answers) remember(name, items);
    total = null;
    const all = computers.total ?? computers.items.length;
    scope.textContent = all > computers.items.length
      ? `The newest ${GROUP_EACH} events of each of the first ${computers.items.length} of ` +
        `${all.toLocaleString()} computers (worst first). Choose a computer to see all of its events.`
      : `The newest ${GROUP_EACH} events of each computer. Choose a computer to see all of its events.`;
  };

  const load = async (reset = false) => {
    const mine = ++seq;
    try {
      if (f.computer) {
        scope.textContent = '';
        await loadComputer(mine, reset);
      } else {
        await loadGroup(mine);
      }
    } catch (e) {
      if (mine === seq) showError(e, f.computer ? `Loading the events of ${f.computer}` : 'Loading the events');
      return;
    }
    if (mine === seq && ctx.alive()) show();
  };

  more.addEventListener('click', async () => {
    more.disabled = true;
    const name = f.computer;
    try {
      const data = listOf(await api('GET', '/events', {signal: ctx.signal,
        query: {computer: name, offset: events.size, limit: PAGE}}));
      if (name !== f.computer || !ctx.alive()) return;
      remember(name, data.items);
      if (data.total !== null) total = data.total;
      show();
    } catch (e) {
      showError(e, `Loading more events of ${f.computer}`);
    } finally {
      more.disabled = false;
    }
  });

  const keepInHash = () => {
    const p = new URLSearchParams();
    for (const k of ['computer', 'rule', 'level']) if (f[k]) p.set(k, f[k]);
    const qs = p.toString();
    history.replaceState(null, '', `#/events${qs ? `?${qs}` : ''}`);
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const chosen = computer.value.trim().toLowerCase();
    f.rule = rule.value.trim();
    f.level = level.value;
    const other = chosen !== f.computer;
    f.computer = chosen;
    keepInHash();
    if (other) {
      events = new Map();
      total = null;
      emptyRow(list.tbody, columns.length, 'Loading…');
      load(true);
    } else {
      show();
    }
  });
  level.addEventListener('change', () => form.requestSubmit());

  await ctx.every(15000, () => load());
}

// A stored event ({seq, produced, name, data: {rule, level, source, message}}) as a row's facts.
function flat(computer, item) {
  const data = item?.data && typeof item.data === 'object' ? item.data : {};
  const when = item.produced ?? item.at;
  return {
    key: `${computer}\n${item.seq}`,
    computer,
    seq: Number(item.seq) || 0,
    when,
    ms: parseTime(when)?.getTime() || 0,
    rule: String(data.rule ?? item.name ?? ''),
    level: String(data.level ?? ''),
    source: data.source,
    message: data.message ?? item.invalid,
  };
}

function row(e) {
  return h('tr', {data: {computer: e.computer, seq: String(e.seq), level: e.level}},
    h('td', {}, timeCell(e.when)),
    h('th', {scope: 'row'}, computerLink(e.computer, 'computer')),
    h('td', {}, h('span', {class: 'event-id'}, e.level ? statusBadge(e.level, 'level') : null,
      h('span', {class: 'mono', data: {test: 'rule'}}, dash(e.rule)))),
    h('td', {class: 'mono'}, dash(e.source)),
    h('td', {class: 'wrap mono', data: {test: 'message'}}, dash(e.message)));
}

// Events: what the computers' [[collect.log]] rules sent, newest first: every computer's, or one
// computer's (GET /api/v1/events?computer=), 100 more at a time. The rule and the level filter
// what is loaded. Refreshes every 15 s (the newest as many as are loaded, at most 1,000).
import {api, listOf} from './api.js';
import {h, add, computerLink, statusBadge, timeCell, dash, table, syncRows, emptyRow,
  parseTime} from './dom.js';
import {showError} from './notify.js';
import {suggestComputers} from './suggest.js';

const PAGE = 100;
const MAX_LOADED = 1000;  // the API's largest page
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
  let older = false;  // the API has older events than those loaded
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
      ` · the newest ${events.size.toLocaleString()} loaded`;
    more.hidden = !older || events.size >= MAX_LOADED;
    updated.textContent = `Updated ${new Date().toLocaleTimeString()} · refreshes every 15 s`;
  };

  const fetchPage = (offset, limit) => api('GET', '/events', {signal: ctx.signal,
    query: {computer: f.computer || undefined, offset, limit}});

  // The newest as many as are loaded (at least a page): new ones come in, old ones stay.
  const load = async () => {
    const mine = ++seq;
    try {
      const data = await fetchPage(0, Math.min(MAX_LOADED, Math.max(PAGE, events.size)));
      if (mine !== seq || !ctx.alive()) return;
      events = new Map();
      for (const item of listOf(data).items) {
        const e = flat(item);
        events.set(e.key, e);
      }
      older = Boolean(data.more);
      scope.textContent = f.computer ? '' : 'Every computer of the management group.';
    } catch (e) {
      if (mine === seq) showError(e, f.computer ? `Loading the events of ${f.computer}` : 'Loading the events');
      return;
    }
    if (ctx.alive()) show();
  };

  more.addEventListener('click', async () => {
    more.disabled = true;
    const mine = ++seq;
    try {
      const data = await fetchPage(events.size, PAGE);
      if (mine !== seq || !ctx.alive()) return;
      for (const item of listOf(data).items) {
        const e = flat(item);
        events.set(e.key, e);
      }
      older = Boolean(data.more);
      show();
    } catch (e) {
      showError(e, 'Loading more events');
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
      emptyRow(list.tbody, columns.length, 'Loading…');
      load();
    } else {
      show();
    }
  });
  level.addEventListener('change', () => form.requestSubmit());

  await ctx.every(15000, () => load());
}

// A stored event ({computer, seq, produced, name, data: {rule, level, source, message}}) as a
// row's facts.
function flat(item) {
  const data = item?.data && typeof item.data === 'object' ? item.data : {};
  const when = item.produced ?? item.at;
  const computer = String(item.computer ?? '');
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

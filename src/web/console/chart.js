// A computer's performance counter over a time range, downsampled by the server
// (GET /api/v1/computers/{fqdn}/performance), drawn with uPlot: the average as a line, the
// minimum and maximum as thin lines with the band between them filled.
import {api} from './api.js';
import {h, fill, dash} from './dom.js';
import {showError} from './notify.js';

const RANGES = [['1', 'Last hour'], ['6', 'Last 6 hours'], ['24', 'Last 24 hours'], ['168', 'Last 7 days']];
const POINTS = 200;
const DEFAULT_RANGE = '24';  // hours
const HEIGHT = 260;

// "cpu.percent" or {counter, instance, unit} -> {counter, instance, unit, label}
function counterOf(c) {
  if (typeof c === 'string') return {counter: c, instance: '', unit: '', label: c};
  const counter = c?.counter ?? c?.name ?? '';
  const instance = c?.instance ?? '';
  return {counter, instance, unit: c?.unit ?? '', label: instance ? `${counter} (${instance})` : counter};
}

const fmt = (v) => (v === null || v === undefined || Number.isNaN(v) ? '—'
  : Math.abs(v) >= 1000 ? Math.round(v).toLocaleString() : Number(v.toPrecision(4)).toString());

export function performanceChart(section, fqdn, ctx) {
  let counters = [];
  let plot = null;
  let plotKey = '';
  const span = {since: 0, until: 0};  // the x range shown: the range chosen, up to now
  const select = h('select', {id: 'counter-select'});
  const range = h('select', {id: 'range-select'},
    RANGES.map(([v, l]) => h('option', {value: v, selected: v === DEFAULT_RANGE}, l)));
  const box = h('div', {class: 'chart', id: 'performance-chart', data: {test: 'chart', points: '0'}});
  const caption = h('p', {class: 'muted chart-caption', id: 'chart-caption', 'aria-live': 'polite'});
  const controls = h('div', {class: 'filters compact'},
    h('div', {class: 'field grow'}, h('label', {for: 'counter-select'}, 'Counter'), select),
    h('div', {class: 'field'}, h('label', {for: 'range-select'}, 'Range'), range));
  fill(section, h('h2', {id: 'performance-title'}, 'Performance'), controls, box, caption);

  const resize = new ResizeObserver(() => {
    if (plot) plot.setSize({width: Math.max(200, box.clientWidth), height: HEIGHT});
  });
  resize.observe(box);
  ctx.onLeave(() => {
    resize.disconnect();
    plot?.destroy();
    plot = null;
  });

  let seq = 0;
  let userPicked = false;  // the user chose the range: keep it
  let autoPicked = false;  // the range was narrowed once to the data's age (per counter)
  const load = async () => {
    const chosen = counters[Number(select.value)];
    if (!chosen) return;
    const mine = ++seq;
    const until = Date.now();
    const since = until - Number(range.value) * 3600 * 1000;
    let r;
    try {
      r = await api('GET', `/computers/${encodeURIComponent(fqdn)}/performance`, {signal: ctx.signal,
        query: {counter: chosen.counter, instance: chosen.instance, since_ms: since, until_ms: until, points: POINTS}});
    } catch (e) {
      if (mine === seq) showError(e, `Loading ${chosen.label}`);
      return;
    }
    if (mine !== seq || !ctx.alive()) return;
    const points = Array.isArray(r?.points) ? r.points.filter((p) => Number.isFinite(p.t_ms)) : [];
    points.sort((a, b) => a.t_ms - b.t_ms);
    // A counter younger than the range (a computer that joined lately) would be a few points at
    // the right edge: until the user picks a range, show the shortest one that holds them all.
    if (!userPicked && !autoPicked && points.length) {
      const bucket = (until - since) / POINTS;
      const age = until - points[0].t_ms + bucket / 2;  // t_ms is a bucket's middle
      const fits = RANGES.map(([v]) => v).find((v) => Number(v) * 3600 * 1000 >= age);
      if (fits && Number(fits) < Number(range.value)) {
        range.value = fits;
        autoPicked = true;  // once: the next refresh keeps it
        load();
        return;
      }
    }
    draw(chosen, r?.unit || chosen.unit, points, since, until);
  };

  const draw = (chosen, unit, points, since, until) => {
    box.dataset.points = String(points.length);
    box.dataset.counter = chosen.label;
    if (!points.length) {
      plot?.destroy();
      plot = null;
      plotKey = '';
      fill(box, h('p', {class: 'chart-empty'}, `No samples of ${chosen.label} in this range yet.`));
      caption.textContent = '';
      return;
    }
    const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    const data = [points.map((p) => p.t_ms / 1000), points.map((p) => num(p.min)),
      points.map((p) => num(p.avg)), points.map((p) => num(p.max))];
    const key = `${chosen.label}|${unit}|${range.value}`;
    if (!window.uPlot) {
      fill(box, h('p', {class: 'chart-empty'}, 'The chart library did not load.'));
      return;
    }
    span.since = since;
    span.until = until;
    if (plot && plotKey === key) {
      plot.setData(data);
    } else {
      plot?.destroy();
      box.replaceChildren();
      plot = new window.uPlot(options(unit, span, Math.max(200, box.clientWidth)), data, box);
      plotKey = key;
    }
    const avgs = data[2].filter((v) => v !== null);
    const mins = data[1].filter((v) => v !== null);
    const maxs = data[3].filter((v) => v !== null);
    const u = unit ? ` ${unit}` : '';
    caption.textContent = `${chosen.label}: latest average ${fmt(avgs.at(-1))}${u}, lowest ${fmt(Math.min(...mins))}${u},` +
      ` highest ${fmt(Math.max(...maxs))}${u}; ${points.length} points, ${dash(points.reduce((s, p) => s + (p.count || 0), 0))} samples.`;
  };

  select.addEventListener('change', () => {
    if (!userPicked) {  // another counter has its own age: start again from the default range
      range.value = DEFAULT_RANGE;
      autoPicked = false;
    }
    load();
  });
  range.addEventListener('change', () => {
    userPicked = true;
    load();
  });
  ctx.every(30000, load);  // new samples arrive every minute or so

  return {
    setCounters(list) {
      const next = list.map(counterOf).filter((c) => c.counter);
      const before = counters[Number(select.value)]?.label;
      const same = next.length === counters.length && next.every((c, i) => c.label === counters[i].label);
      counters = next;
      if (!same) {
        fill(select, ...counters.map((c, i) => h('option', {value: String(i), selected: c.label === before}, c.label)));
      }
      select.disabled = !counters.length;
      if (!counters.length) {
        box.dataset.points = '0';
        fill(box, h('p', {class: 'chart-empty'}, 'This computer has sent no performance samples.'));
        return;
      }
      if (!same) load();
    },
    reload: load,
  };
}

function options(unit, span, width) {
  const value = (u, v) => (v === null ? '—' : fmt(v) + (unit ? ` ${unit}` : ''));
  return {
    width,
    height: HEIGHT,
    scales: {x: {time: true, range: () => [span.since / 1000, span.until / 1000]}},
    series: [
      {},
      {label: 'Min', stroke: '#7c9cc4', width: 1, value},
      {label: 'Average', stroke: '#1d4ed8', width: 2, value},
      {label: 'Max', stroke: '#7c9cc4', width: 1, value},
    ],
    bands: [{series: [3, 1], fill: 'rgba(37, 99, 235, 0.12)'}],
    axes: [
      {stroke: '#475569', grid: {stroke: '#e5e7eb', width: 1}, ticks: {stroke: '#cbd5e1', width: 1}},
      {stroke: '#475569', grid: {stroke: '#e5e7eb', width: 1}, ticks: {stroke: '#cbd5e1', width: 1},
        label: unit || undefined, size: 64, values: (u, vals) => vals.map((v) => fmt(v))},
    ],
    legend: {live: true},
    cursor: {drag: {x: false, y: false}},
  };
}

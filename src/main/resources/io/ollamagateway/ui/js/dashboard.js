// Usage at a glance: requests and tokens over time per model, key or user (from the hourly rollups of
// GET /admin/api/usage), totals and errors, the top keys, and what is in flight now. A user sees the same
// charts of their own usage (GET /admin/api/me/usage, filtered by the server), split by model or key.
import { admin, query } from './api.js';
import { h, field, select, table, number, section, messageArea, showError } from './dom.js';
import { lineChart } from './chart.js';

const RANGES = {
  '24h': { hours: 24, groupBy: 'hour', label: 'Last 24 hours' },
  '7d': { hours: 24 * 7, groupBy: 'hour', label: 'Last 7 days' },
  '30d': { hours: 24 * 30, groupBy: 'day', label: 'Last 30 days' },
};
const state = { range: '24h', by: 'model' };
const keyNames = new Map(); // key id -> name, so that charts say "laptop (sk-AbCd…)"

function labelOf(row, by) {
  if (by === 'model') {
    return row.model || '(no model)';
  }
  if (by === 'key') {
    const name = row.key_id ? keyNames.get(row.key_id) : null;
    return name ? `${name} (${row.key})` : row.key || (row.key_id ? 'key ' + row.key_id : '(none)');
  }
  return row.user || (row.user_id ? 'user ' + row.user_id : '(no user)');
}

/** Every period of the range, oldest first, in seconds: the chart's x axis (periods without usage are 0). */
function periods(range) {
  const step = range.groupBy === 'day' ? 86400 : 3600;
  const now = Math.floor(Date.now() / 1000 / step) * step;
  const xs = [];
  const count = range.groupBy === 'day' ? range.hours / 24 : range.hours;
  for (let i = count - 1; i >= 0; i--) {
    xs.push(now - i * step);
  }
  return xs;
}

function seriesOf(rows, by, xs, metric) {
  const index = new Map(xs.map((x, i) => [x, i]));
  const byLabel = new Map();
  for (const row of rows) {
    const label = labelOf(row, by);
    if (!byLabel.has(label)) {
      byLabel.set(label, xs.map(() => 0));
    }
    const i = index.get(Math.floor(Date.parse(row.period) / 1000));
    if (i !== undefined) {
      byLabel.get(label)[i] += metric(row);
    }
  }
  return [...byLabel.entries()].map(([label, values]) => ({ label, values }));
}

function totals(rows, by) {
  const sums = new Map();
  for (const row of rows) {
    const label = labelOf(row, by);
    const sum = sums.get(label) || { label, requests: 0, prompt: 0, completion: 0, tokens: 0, errors: 0, ms: 0 };
    sum.requests += row.requests;
    sum.prompt += row.prompt_tokens;
    sum.completion += row.completion_tokens;
    sum.tokens += row.total_tokens;
    sum.errors += row.errors;
    sum.ms += row.duration_ms;
    sums.set(label, sum);
  }
  return [...sums.values()].sort((a, b) => b.tokens - a.tokens || b.requests - a.requests);
}

function stat(label, value, id) {
  return h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, label),
    h('strong', { class: 'stat-value', id }, value));
}

export async function render(main, session) {
  const mineOnly = session && session.role === 'user';
  const usagePath = mineOnly ? '/me/usage' : '/usage';
  if (mineOnly && state.by === 'user') {
    state.by = 'model';
  }
  const rangeSelect = select('range', Object.entries(RANGES).map(([k, v]) => [k, v.label]), state.range);
  const bySelect = select('by', [['model', 'Model'], ['key', 'API key'],
    ...(mineOnly ? [] : [['user', 'User']])], state.by);
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  const message = messageArea();
  const stats = h('div', { class: 'stats', 'aria-live': 'polite' });
  const charts = h('div', { class: 'charts' });
  const totalsBox = h('div');
  const topKeysBox = h('div');
  const cleanups = [];

  main.append(h('h1', {}, mineOnly ? 'My usage' : 'Dashboard'),
    h('form', { class: 'toolbar', onsubmit: (e) => e.preventDefault() },
      field('Period', rangeSelect), field('Split by', bySelect), refresh),
    message, stats,
    section('Over time', charts),
    section('Totals', totalsBox),
    section('Top keys', topKeysBox));

  let loads = 0;
  async function load() {
    const mine = ++loads; // an older answer arriving late must not overwrite a newer one
    const range = RANGES[state.range];
    const from = new Date(Date.now() - range.hours * 3600 * 1000);
    from.setUTCMinutes(0, 0, 0);
    const params = { from: from.toISOString().replace(/\.\d{3}Z$/, 'Z'), group_by: range.groupBy };
    try {
      const [rows, keyRows, upstreams, keys] = await Promise.all([
        admin.get(usagePath + query({ ...params, by: state.by })),
        admin.get(usagePath + query({ ...params, by: 'key' })),
        mineOnly ? null : admin.get('/upstreams').catch(() => null),
        admin.get(mineOnly ? '/me/keys' : '/keys').catch(() => []),
      ]);
      if (mine !== loads) {
        return;
      }
      keys.forEach((k) => keyNames.set(k.id, k.name));
      message.textContent = '';
      message.className = 'message';
      const all = totals(rows, 'none');
      const sum = all.reduce((a, t) => ({ requests: a.requests + t.requests, tokens: a.tokens + t.tokens,
        errors: a.errors + t.errors }), { requests: 0, tokens: 0, errors: 0 });
      const inFlight = upstreams ? upstreams.upstreams.reduce((n, u) => n + u.in_flight, 0) : null;
      const waiting = upstreams ? upstreams.upstreams.reduce((n, u) => n + (u.queue ? u.queue.waiting : 0), 0) : null;
      stats.replaceChildren(
        stat('Requests', number(sum.requests), 'stat-requests'),
        stat('Tokens', number(sum.tokens), 'stat-tokens'),
        stat('Errors', number(sum.errors), 'stat-errors'),
        ...(mineOnly ? [] : [ // the upstreams' state is an admin's business
          stat('In flight now', inFlight === null ? '–' : number(inFlight), 'stat-in-flight'),
          stat('Waiting in queues', waiting === null ? '–' : number(waiting), 'stat-waiting')]));

      cleanups.splice(0).forEach((f) => f());
      const xs = periods(range);
      const requestsChart = h('figure', { class: 'chart', 'aria-label': 'Requests over time; the totals table has the numbers' });
      const tokensChart = h('figure', { class: 'chart', 'aria-label': 'Tokens over time; the totals table has the numbers' });
      const errorsChart = h('figure', { class: 'chart', 'aria-label': 'Errors over time; the totals table has the numbers' });
      charts.replaceChildren(requestsChart, tokensChart, errorsChart);
      cleanups.push(lineChart(requestsChart, 'Requests', xs, seriesOf(rows, state.by, xs, (r) => r.requests)));
      cleanups.push(lineChart(tokensChart, 'Tokens', xs, seriesOf(rows, state.by, xs, (r) => r.total_tokens)));
      cleanups.push(lineChart(errorsChart, 'Errors', xs, seriesOf(rows, state.by, xs, (r) => r.errors)));

      const heading = { model: 'Model', key: 'API key', user: 'User' }[state.by];
      totalsBox.replaceChildren(table(`Usage by ${heading.toLowerCase()}, ${range.label.toLowerCase()}`,
        [heading, 'Requests', 'Prompt tokens', 'Completion tokens', 'Total tokens', 'Errors', 'Avg duration'],
        totals(rows, state.by).map((t) => h('tr', {}, h('th', { scope: 'row' }, t.label), h('td', {}, number(t.requests)),
          h('td', {}, number(t.prompt)), h('td', {}, number(t.completion)), h('td', {}, number(t.tokens)),
          h('td', { class: t.errors ? 'bad' : '' }, number(t.errors)),
          h('td', {}, t.requests ? Math.round(t.ms / t.requests) + ' ms' : '–'))),
        { id: 'usage-totals' }));
      topKeysBox.replaceChildren(table('Keys with the most tokens', ['Key', 'Requests', 'Tokens', 'Errors'],
        totals(keyRows, 'key').slice(0, 10).map((t) => h('tr', {}, h('th', { scope: 'row' }, t.label),
          h('td', {}, number(t.requests)), h('td', {}, number(t.tokens)), h('td', {}, number(t.errors)))),
        { id: 'top-keys' }));
    } catch (error) {
      showError(message, error);
    }
  }

  rangeSelect.addEventListener('change', () => {
    state.range = rangeSelect.value;
    load();
  });
  bySelect.addEventListener('change', () => {
    state.by = bySelect.value;
    load();
  });
  refresh.addEventListener('click', load);
  await load();
  const timer = setInterval(load, 15000);
  return () => {
    clearInterval(timer);
    cleanups.splice(0).forEach((f) => f());
  };
}

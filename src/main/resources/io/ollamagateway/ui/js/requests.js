// The request log (REQUEST_LOG=true), newest first, a page at a time; filtered by request id, key or user.
import { admin, query } from './api.js';
import { h, field, input, table, time, number, messageArea, showError } from './dom.js';

export async function render(main) {
  const message = messageArea();
  const rows = [];
  const box = h('div');
  const more = h('button', { type: 'button', class: 'secondary' }, 'Older requests');
  const requestId = input({ name: 'request_id', id: 'request-id-filter', spellcheck: 'false', maxlength: 128 });
  const key = input({ name: 'key', spellcheck: 'false' });
  const form = h('form', { class: 'filters', id: 'request-filter', 'aria-label': 'Find requests' },
    field('Request id', requestId, 'The X-Request-Id of an answer, or the request_id of an error.'),
    field('Key', key, 'A key id, or shared-token.'),
    h('button', { type: 'submit' }, 'Search'));
  main.append(h('h1', {}, 'Request log'), message, form, box, h('div', { class: 'actions' }, more));

  async function load(before) {
    try {
      const found = await admin.get('/requests' + query({ limit: 50, before, request_id: requestId.value.trim(),
        key: key.value.trim() }));
      rows.push(...found);
      more.hidden = found.length < 50;
      box.replaceChildren(table('Requests, newest first', ['When', 'Request id', 'Caller', 'Call', 'Model',
        'Status', 'Time', 'Tokens in / out', 'Upstream'],
      rows.map((r) => h('tr', {}, h('td', {}, time(r.at)), h('th', { scope: 'row', class: 'detail' }, r.request_id || '–'),
        h('td', {}, r.client), h('td', {}, r.method + ' ' + r.path), h('td', {}, r.model || '–'),
        h('td', {}, String(r.status)), h('td', {}, number(r.duration_ms) + ' ms'),
        h('td', {}, number(r.prompt_tokens) + ' / ' + number(r.completion_tokens)),
        h('td', {}, r.upstream || '–'))), { id: 'requests-table' }));
    } catch (error) {
      showError(message, error);
    }
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    rows.length = 0;
    load(null);
  });
  more.addEventListener('click', () => load(rows.length ? rows[rows.length - 1].id : null));
  await load(null);
}

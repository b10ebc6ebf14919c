// The audit log of admin actions, newest first, a page at a time.
import { admin, query } from './api.js';
import { h, table, time, messageArea, showError } from './dom.js';

export async function render(main) {
  const message = messageArea();
  const rows = [];
  const box = h('div');
  const more = h('button', { type: 'button', class: 'secondary' }, 'Older entries');
  main.append(h('h1', {}, 'Audit log'), message, box, h('div', { class: 'actions' }, more));

  async function load(before) {
    try {
      const entries = await admin.get('/audit' + query({ limit: 50, before }));
      rows.push(...entries);
      more.hidden = entries.length < 50;
      box.replaceChildren(table('Admin actions, newest first', ['When', 'Who', 'Action', 'Target', 'Detail'],
        rows.map((e) => h('tr', {}, h('td', {}, time(e.at)), h('td', {}, e.actor), h('th', { scope: 'row' }, e.action),
          h('td', {}, e.target || '–'), h('td', { class: 'detail' }, e.detail || '–'))), { id: 'audit-table' }));
    } catch (error) {
      showError(message, error);
    }
  }
  more.addEventListener('click', () => load(rows.length ? rows[rows.length - 1].id : null));
  await load(null);
}

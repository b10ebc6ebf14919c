// Alerts by webhook: the configured webhooks and the delivery log (last attempts, status), with a retry.
import { admin } from './api.js';
import { h, table, time, messageArea, showError, toast } from './dom.js';

export async function render(main) {
  const message = messageArea();
  const hooksBox = h('div');
  const box = h('div');
  const reload = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  main.append(h('h1', {}, 'Webhooks'), message, hooksBox, h('h2', {}, 'Deliveries'),
    h('div', { class: 'actions' }, reload), box);

  async function retry(id, button) {
    button.disabled = true;
    try {
      const delivery = await admin.post('/webhooks/deliveries/' + encodeURIComponent(id) + '/retry');
      toast('Delivery ' + delivery.id + ': ' + delivery.status);
      await load();
    } catch (error) {
      showError(message, error);
      button.disabled = false;
    }
  }

  async function load() {
    try {
      const [hooks, deliveries] = await Promise.all([admin.get('/webhooks'), admin.get('/webhooks/deliveries')]);
      hooksBox.replaceChildren(hooks.length
        ? table('Configured webhooks', ['Name', 'URL', 'Events'], hooks.map((w) => h('tr', {},
          h('th', { scope: 'row' }, w.name), h('td', {}, w.url), h('td', {}, w.events.join(', ')))))
        : h('p', { class: 'muted' }, 'No webhook is configured: see WEBHOOK_URL or webhooks: in the config file.'));
      box.replaceChildren(table('Deliveries, newest first', ['When', 'Event', 'Webhook', 'Status', 'Attempts',
        'Last answer', 'Next attempt', ''], deliveries.map((d) => {
        const button = h('button', { type: 'button', class: 'secondary' }, 'Retry');
        button.addEventListener('click', () => retry(d.id, button));
        return h('tr', {}, h('td', {}, time(d.created_at)), h('th', { scope: 'row' }, d.type),
          h('td', {}, d.webhook), h('td', {}, d.status), h('td', {}, String(d.attempts)),
          h('td', { class: 'detail' }, d.last_error || (d.last_status_code ? 'HTTP ' + d.last_status_code : '–')),
          h('td', {}, d.next_attempt_at ? time(d.next_attempt_at) : '–'), h('td', {}, button));
      }), { id: 'deliveries-table' }));
    } catch (error) {
      showError(message, error);
    }
  }
  reload.addEventListener('click', () => load());
  await load();
}

// Upstreams: health, in-flight requests, queues and each key's state and cooldown; reload the configuration.
import { admin } from './api.js';
import { h, table, time, number, badge, section, messageArea, showError, showOk } from './dom.js';

export async function render(main) {
  const message = messageArea();
  const box = h('div', { 'aria-live': 'polite' });
  const reloadButton = h('button', { type: 'button', class: 'secondary' }, 'Reload configuration');
  main.append(h('h1', {}, 'Upstreams'), h('div', { class: 'toolbar' }, reloadButton), message, box);

  function draw(doc) {
    box.replaceChildren(h('p', { class: 'muted' }, `Key strategy: ${doc.key_strategy}`),
      ...doc.upstreams.map((u) => section(u.name,
        h('dl', { class: 'facts' },
          h('dt', {}, 'Health'), h('dd', {}, badge(u.healthy ? 'healthy' : 'unhealthy')),
          h('dt', {}, 'URL'), h('dd', {}, h('code', {}, u.url)),
          h('dt', {}, 'In flight'), h('dd', { class: 'in-flight' }, number(u.in_flight)
            + (u.max_concurrent ? ` of ${u.max_concurrent}` : '')),
          h('dt', {}, 'Waiting'), h('dd', {}, u.queue ? `${number(u.queue.waiting)} (queue of ${u.queue.size}, `
            + `${number(u.queue.rejected_full)} refused, ${number(u.queue.timed_out)} timed out)` : '–'),
          h('dt', {}, 'Last check'), h('dd', {}, time(u.last_check)),
          h('dt', {}, 'Last error'), h('dd', {}, u.last_error || '–'),
          h('dt', {}, 'Models'), h('dd', {}, (u.models || []).join(', ') || '–')),
        u.keys && u.keys.length ? table(`Keys of ${u.name}`, ['Key', 'State', 'Cooldown until', '429s in a row',
          'Requests', 'Rate limited', 'Disabled because', 'Last error'], u.keys.map((k) => h('tr', {},
          h('th', { scope: 'row' }, `#${k.index} `, h('code', {}, k.prefix)),
          h('td', {}, badge(k.state)), h('td', {}, time(k.cooldown_until)),
          h('td', {}, number(k.consecutive_rate_limits)), h('td', {}, number(k.requests)),
          h('td', {}, number(k.rate_limits)), h('td', {}, k.disabled_reason || '–'),
          h('td', {}, k.last_error || '–')))) : h('p', { class: 'muted' }, 'No upstream keys.'))));
  }

  async function load() {
    try {
      draw(await admin.get('/upstreams'));
    } catch (error) {
      showError(message, error);
    }
  }
  reloadButton.addEventListener('click', async () => {
    try {
      draw(await admin.post('/reload'));
      showOk(message, 'Configuration reloaded.');
    } catch (error) {
      showError(message, error);
    }
  });
  await load();
  const timer = setInterval(load, 5000);
  return () => clearInterval(timer);
}

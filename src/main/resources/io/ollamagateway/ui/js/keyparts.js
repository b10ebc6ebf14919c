// What the admin's key pages and a user's own key page share: a key's limits, and showing a new secret once.
import { h, field, toast, intOrNull } from './dom.js';

// A key's own limits; empty means the gateway's default (none).
export const LIMITS = [
  ['requests_per_minute', 'Requests per minute'],
  ['requests_per_hour', 'Requests per hour'],
  ['tokens_per_minute', 'Tokens per minute'],
  ['max_concurrent', 'Requests at once'],
];

// A date input's day as the API's expiry instant (midnight UTC), or null when empty.
export function expiresAt(control) {
  return control.value ? new Date(control.value + 'T00:00:00Z').toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
}

// Puts the limits typed into a new key's form on body; an empty one is left out (the gateway's default).
export function addLimits(body, limits) {
  for (const [n] of LIMITS) {
    const value = intOrNull(limits[n]);
    if (value !== null) {
      body[n] = value;
    }
  }
  return body;
}

export function limitsText(key) {
  const parts = LIMITS.filter(([name]) => key[name] !== undefined && key[name] !== null)
    .map(([name, label]) => `${label.toLowerCase()}: ${key[name]}`);
  return parts.length ? parts.join(', ') : 'defaults';
}

// Shows a new secret in box, once, with a copy button: the gateway keeps only its hash.
export function revealSecret(box, secretValue, title) {
  const secret = h('input', { type: 'text', readonly: true, id: 'new-key', value: secretValue, spellcheck: 'false',
    class: 'secret' });
  const copy = h('button', { type: 'button', id: 'copy-key' }, 'Copy');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(secret.value);
    } catch {
      secret.select();
      document.execCommand('copy');
    }
    copy.textContent = 'Copied';
    toast('Key copied to the clipboard.');
  });
  box.replaceChildren(h('section', { class: 'card reveal', role: 'alert', 'aria-labelledby': 'reveal-title' },
    h('h2', { id: 'reveal-title' }, title),
    h('p', {}, 'Copy it now: it is shown only this once and the gateway keeps only its hash.'),
    field('Key', secret), h('div', { class: 'actions' }, copy,
      h('button', { type: 'button', class: 'secondary', onclick: () => box.replaceChildren() },
        'I have stored it'))));
  secret.focus();
  secret.select();
}

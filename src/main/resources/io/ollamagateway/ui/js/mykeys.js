// A user's own keys (self-service): what is left of their limits, the caps an admin set, and their keys:
// create (the secret is shown once), rename, rotate (new secret, same settings; the old one keeps working for
// the grace period chosen) and revoke. Every call goes to /admin/api/me/..., which answers about the signed-in
// user only.
import { admin } from './api.js';
import { h, field, input, table, time, badge, number, section, messageArea, showError, showOk, toast,
  modelList }
  from './dom.js';
import { LIMITS, limitsText, revealSecret, expiresAt, addLimits } from './keyparts.js';

function duration(seconds) {
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

export async function render(main) {
  const message = messageArea();
  const revealBox = h('div');
  const limitsBox = h('div');
  const capsBox = h('div');
  const listBox = h('div');
  let caps = null;
  main.append(h('h1', {}, 'My keys'), revealBox, message, section('Limits and what is left', limitsBox),
    section('Keys', listBox), createForm(), section('What you may give your keys', capsBox));

  function reveal(created, what) {
    revealSecret(revealBox, created.key, what);
  }

  async function reload() {
    try {
      const [keys, limits, myCaps] = await Promise.all([admin.get('/me/keys'), admin.get('/me/limits'),
        admin.get('/me/caps')]);
      caps = myCaps;
      listBox.replaceChildren(table('My API keys', ['Prefix', 'Name', 'Status', 'Last used', 'Expires', 'Models',
        'Limits', ''], keys.map(row), { id: 'my-keys-table' }));
      showLimits(limits);
      showCaps(myCaps);
    } catch (error) {
      showError(message, error);
    }
  }

  function showLimits(limits) {
    const budgets = [...limits.quota.map((q) => ({ scope: 'Your quota', ...q })),
      ...limits.keys.flatMap((k) => k.limits.map((l) => ({ scope: `Key ${k.name} (${k.prefix})`, ...l })))];
    limitsBox.replaceChildren(
      h('p', {}, `Today: ${number(limits.usage.today.requests)} requests, ${number(limits.usage.today.total_tokens)} `
        + `tokens. This month: ${number(limits.usage.this_month.requests)} requests, `
        + `${number(limits.usage.this_month.total_tokens)} tokens.`),
      budgets.length ? table('Limits and what is left of them', ['Applies to', 'Limit', 'Left', 'Resets'],
        budgets.map((b) => h('tr', {}, h('th', { scope: 'row' }, b.scope), h('td', {}, b.limit),
          h('td', {}, `${number(b.remaining)} of ${number(b.max)}`), h('td', {}, time(b.resets_at)))),
        { id: 'my-limits' }) : h('p', { id: 'my-limits' }, 'No limits apply to you.'));
  }

  function showCaps(c) {
    const lines = [
      ['Keys', c.max_keys === null ? 'no cap' : `at most ${c.max_keys}`],
      ['Models', c.models.length ? c.models.join(', ') : 'any'],
      ...LIMITS.map(([n, label]) => [label + ' per key', c[n] === null ? 'no cap' : `at most ${c[n]}`]),
      ['Rotation grace', `at most ${duration(c.effective_max_rotation_grace_seconds)}`],
    ];
    capsBox.replaceChildren(h('dl', { class: 'caps', id: 'my-caps' },
      lines.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
  }

  function row(key) {
    const actions = h('td', { class: 'row-actions' });
    const rename = h('button', { type: 'button', class: 'secondary', 'aria-label': `Rename key ${key.name}` },
      'Rename');
    const rotate = h('button', { type: 'button', class: 'secondary', 'aria-label': `Rotate key ${key.name}` },
      'Rotate');
    const revoke = h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke key ${key.name}` }, 'Revoke');
    const restore = () => actions.replaceChildren(rename, rotate, revoke);
    const cancel = () => h('button', { type: 'button', class: 'secondary', onclick: restore }, 'Cancel');

    rename.addEventListener('click', () => {
      const name = input({ name: 'new-name', value: key.name, required: true, maxlength: 64,
        'aria-label': `New name of ${key.name}` });
      const save = h('button', { type: 'submit' }, 'Save');
      const form = h('form', { class: 'inline-form' }, name, save, cancel());
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        try {
          await admin.patch(`/me/keys/${key.id}`, { name: name.value.trim() });
          toast(`Renamed to ${name.value.trim()}`);
          await reload();
        } catch (error) {
          showError(message, error);
        }
      });
      actions.replaceChildren(form);
      name.focus();
    });

    rotate.addEventListener('click', () => {
      const max = caps ? caps.effective_max_rotation_grace_seconds : 86400;
      const minutes = input({ type: 'number', name: 'grace-minutes', min: 0, max: Math.floor(max / 60), step: 1,
        value: Math.min(60, Math.floor(max / 60)),
        'aria-label': `Minutes the old secret of ${key.name} keeps working` });
      const confirm = h('button', { type: 'submit', 'aria-label': `Confirm rotating ${key.name}` }, 'Rotate now');
      const form = h('form', { class: 'inline-form' }, h('span', {}, 'Old secret works for'), minutes,
        h('span', {}, `min (at most ${duration(max)})`), confirm, cancel());
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        try {
          const rotated = await admin.post(`/me/keys/${key.id}/rotate`,
            { grace_seconds: Math.round(Number(minutes.value || 0) * 60) });
          await reload();
          reveal(rotated, `New secret for “${rotated.name}”; the old one (${key.prefix}) works until `
            + (rotated.old_key.expires_at ? new Date(rotated.old_key.expires_at).toLocaleString() : 'now'));
        } catch (error) {
          showError(message, error);
        }
      });
      actions.replaceChildren(form);
      minutes.focus();
    });

    revoke.addEventListener('click', () => {
      const confirm = h('button', { type: 'button', class: 'danger', 'aria-label': `Confirm revoking ${key.name}` },
        'Confirm revoke');
      confirm.addEventListener('click', async () => {
        try {
          await admin.del(`/me/keys/${key.id}`);
          toast(`Revoked ${key.prefix}`);
          await reload();
        } catch (error) {
          showError(message, error);
        }
      });
      actions.replaceChildren(confirm, cancel());
      confirm.focus();
    });
    if (key.status === 'active') {
      restore();
    }
    return h('tr', { 'data-key': key.name, 'data-prefix': key.prefix },
      h('th', { scope: 'row' }, h('code', {}, key.prefix)),
      h('td', {}, key.name),
      h('td', {}, badge(key.status)),
      h('td', {}, time(key.last_used_at)),
      h('td', {}, time(key.expires_at)),
      h('td', {}, key.models.length ? key.models.join(', ') : 'all'),
      h('td', {}, limitsText(key)),
      actions);
  }

  function createForm() {
    const name = input({ name: 'name', required: true, maxlength: 64, autocomplete: 'off' });
    const allow = input({ name: 'models', autocomplete: 'off', placeholder: 'llama3.2, qwen2.5:0.5b' });
    const expires = input({ type: 'date', name: 'expires_at' });
    const limits = Object.fromEntries(LIMITS.map(([n]) => [n, input({ type: 'number', name: n, min: 1, step: 1 })]));
    const formMessage = messageArea();
    const form = h('form', { class: 'grid-form', id: 'create-my-key' },
      field('Name', name),
      field('Models (optional)', allow, 'Comma-separated; empty gives the key every model you may use.'),
      field('Expires (optional)', expires),
      LIMITS.map(([n, label]) => field(label + ' (optional)', limits[n])),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create key')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = addLimits({ name: name.value.trim(), models: modelList(allow.value),
        expires_at: expiresAt(expires) }, limits);
      try {
        const created = await admin.post('/me/keys', body);
        form.reset();
        showOk(formMessage, `Created ${created.name}.`);
        reveal(created, `New key “${created.name}”`);
        await reload();
      } catch (error) {
        showError(formMessage, error);
      }
    });
    return section('New key', form, formMessage);
  }

  await reload();
}

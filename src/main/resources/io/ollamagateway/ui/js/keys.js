// API keys: create (the secret is shown once, with a copy button), edit allowlist, expiry and limits, revoke.
import { admin, query } from './api.js';
import { h, field, input, select, table, time, badge, section, messageArea, showError, showOk, toast, intOrNull,
  modelList }
  from './dom.js';
import { LIMITS, limitsText, revealSecret, expiresAt, addLimits } from './keyparts.js';

export async function render(main) {
  const message = messageArea();
  const revealBox = h('div');
  const listBox = h('div');
  const editBox = h('div');
  const users = await admin.get('/users').catch((error) => {
    showError(message, error);
    return [];
  });
  const userName = new Map(users.map((u) => [u.id, u.name]));
  const filter = select('user-filter', [['', 'All users'], ...users.map((u) => [u.id, u.name])], '');

  main.append(h('h1', {}, 'API keys'), createForm(users, reveal, reload), revealBox,
    section('Keys', h('form', { class: 'toolbar', onsubmit: (e) => e.preventDefault() }, field('Owner', filter)),
      message, listBox),
    editBox);

  function reveal(created) {
    revealSecret(revealBox, created.key,
      `New key “${created.name}” for ${userName.get(created.user_id) || created.user_id}`);
  }

  async function reload() {
    try {
      const keys = await admin.get('/keys' + query({ user_id: filter.value }));
      listBox.replaceChildren(table('API keys', ['Prefix', 'Name', 'Owner', 'Status', 'Last used', 'Expires',
        'Models', 'Limits', ''], keys.map((key) => row(key)), { id: 'keys-table' }));
    } catch (error) {
      showError(message, error);
    }
  }

  function row(key) {
    const actions = h('td', { class: 'row-actions' });
    const edit = h('button', { type: 'button', class: 'secondary', 'aria-label': `Edit key ${key.name}`,
      onclick: () => {
        editBox.replaceChildren(editor(key, reload, () => editBox.replaceChildren()));
        editBox.querySelector('input').focus();
      } }, 'Edit');
    const revoke = h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke key ${key.name}` }, 'Revoke');
    revoke.addEventListener('click', () => {
      const confirm = h('button', { type: 'button', class: 'danger', 'aria-label': `Confirm revoking ${key.name}` },
        'Confirm revoke');
      const cancel = h('button', { type: 'button', class: 'secondary', onclick: () => actions.replaceChildren(edit, revoke) },
        'Cancel');
      confirm.addEventListener('click', async () => {
        try {
          await admin.del(`/keys/${key.id}`);
          toast(`Revoked ${key.prefix}`);
          await reload();
        } catch (error) {
          showError(message, error);
        }
      });
      actions.replaceChildren(confirm, cancel);
      confirm.focus();
    });
    if (key.status !== 'revoked') {
      actions.append(edit, revoke);
    }
    return h('tr', { 'data-key': key.name },
      h('th', { scope: 'row' }, h('code', {}, key.prefix)),
      h('td', {}, key.name),
      h('td', {}, userName.get(key.user_id) || key.user_id),
      h('td', {}, badge(key.status)),
      h('td', {}, time(key.last_used_at)),
      h('td', {}, time(key.expires_at)),
      h('td', {}, key.models.length ? key.models.join(', ') : 'all'),
      h('td', {}, limitsText(key)),
      actions);
  }

  filter.addEventListener('change', reload);
  await reload();
}

function createForm(users, reveal, reload) {
  const owner = select('user_id', users.map((u) => [u.id, `${u.name} (${u.role})`]), users[0] && users[0].id);
  const name = input({ name: 'name', required: true, maxlength: 64, autocomplete: 'off' });
  const allow = input({ name: 'models', autocomplete: 'off', placeholder: 'llama3*, qwen2.5:0.5b' });
  const expires = input({ type: 'date', name: 'expires_at' });
  const limits = Object.fromEntries(LIMITS.map(([n]) => [n, input({ type: 'number', name: n, min: 1, step: 1 })]));
  const message = messageArea();
  const form = h('form', { class: 'grid-form', id: 'create-key' },
    field('Owner', owner), field('Name', name),
    field('Models (optional)', allow, 'Comma-separated names or globs; empty allows every model.'),
    field('Expires (optional)', expires),
    LIMITS.map(([n, label]) => field(label + ' (optional)', limits[n])),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create key')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = addLimits({ user_id: Number(owner.value), name: name.value.trim(), models: modelList(allow.value),
      expires_at: expiresAt(expires) }, limits);
    try {
      const created = await admin.post('/keys', body);
      form.reset();
      message.textContent = '';
      reveal(created);
      await reload();
    } catch (error) {
      showError(message, error);
    }
  });
  return section('New key', form, message);
}

function editor(key, reload, close) {
  const message = messageArea();
  const name = input({ name: 'name', value: key.name, required: true, maxlength: 64 });
  const allow = input({ name: 'models', value: key.models.join(', ') });
  const expires = input({ type: 'date', name: 'expires_at', value: key.expires_at ? key.expires_at.slice(0, 10) : '' });
  const active = h('input', { type: 'checkbox', name: 'active', checked: key.active, id: 'key-active-' + key.id });
  const limits = Object.fromEntries(LIMITS.map(([n]) => [n, input({ type: 'number', name: n, min: 1, step: 1,
    value: key[n] ?? '' })]));
  const form = h('form', { class: 'grid-form', id: 'edit-key' },
    field('Name', name), field('Models', allow, 'Empty allows every model.'), field('Expires', expires),
    LIMITS.map(([n, label]) => field(label, limits[n])),
    h('div', { class: 'field checkbox' }, active, h('label', { for: active.id }, 'Active')),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save'),
      h('button', { type: 'button', class: 'secondary', onclick: close }, 'Close')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { name: name.value.trim(), models: modelList(allow.value), expires_at: expiresAt(expires),
      active: active.checked };
    for (const [n] of LIMITS) {
      body[n] = intOrNull(limits[n]);
    }
    try {
      await admin.patch(`/keys/${key.id}`, body);
      showOk(message, 'Saved.');
      await reload();
    } catch (error) {
      showError(message, error);
    }
  });
  return section(`Edit key ${key.prefix} (${key.name})`, message, form);
}

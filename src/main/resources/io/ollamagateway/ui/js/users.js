// Users: create, change role, (de)activate, set a password, set quotas, delete.
import { admin } from './api.js';
import { h, field, input, select, table, time, badge, section, messageArea, showError, showOk, toast, intOrNull,
  modelList }
  from './dom.js';

const CAP_FIELDS = [
  ['max_keys', 'Most keys'],
  ['requests_per_minute', 'Most requests per minute per key'],
  ['requests_per_hour', 'Most requests per hour per key'],
  ['tokens_per_minute', 'Most tokens per minute per key'],
  ['max_concurrent', 'Most requests at once per key'],
];

const QUOTA_FIELDS = [
  ['daily_tokens', 'Tokens per day'],
  ['monthly_tokens', 'Tokens per month'],
  ['daily_requests', 'Requests per day'],
  ['monthly_requests', 'Requests per month'],
];

export async function render(main) {
  const listBox = h('div');
  const editBox = h('div');
  const listMessage = messageArea();
  main.append(h('h1', {}, 'Users'), createForm(reload), section('All users', listMessage, listBox), editBox);

  async function reload() {
    try {
      const users = await admin.get('/users');
      listBox.replaceChildren(table('Users', ['Name', 'Email', 'Role', 'Status', 'Created', ''],
        users.map((user) => h('tr', { 'data-user': user.name },
          h('th', { scope: 'row' }, user.name),
          h('td', {}, user.email || '–'),
          h('td', {}, user.role),
          h('td', {}, badge(user.active ? 'active' : 'inactive')),
          h('td', {}, time(user.created_at)),
          h('td', {}, h('button', { type: 'button', class: 'secondary', 'aria-label': `Edit ${user.name}`,
            onclick: () => edit(user) }, 'Edit')))),
        { id: 'users-table' }));
    } catch (error) {
      showError(listMessage, error);
    }
  }

  async function edit(user) {
    editBox.replaceChildren(await editor(user, async () => {
      await reload();
    }, () => editBox.replaceChildren()));
    editBox.querySelector('h2').scrollIntoView({ block: 'start' });
    editBox.querySelector('select, input').focus();
  }

  await reload();
}

function createForm(reload) {
  const name = input({ name: 'name', required: true, autocomplete: 'off', pattern: '[A-Za-z0-9._@\\-]{1,64}' });
  const email = input({ type: 'email', name: 'email', autocomplete: 'off' });
  const role = select('role', [['user', 'user'], ['admin', 'admin']], 'user');
  const password = input({ type: 'password', name: 'password', autocomplete: 'new-password', minlength: 12 });
  const message = messageArea();
  const form = h('form', { class: 'grid-form', id: 'create-user' },
    field('Name', name, 'Letters, digits, . _ - @'),
    field('Email (optional)', email),
    field('Role', role),
    field('Password (optional)', password, 'At least 12 characters; for signing in to this console.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create user')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const created = await admin.post('/users', { name: name.value.trim(), email: email.value.trim() || null,
        role: role.value });
      if (password.value) {
        await admin.put(`/users/${created.id}/password`, { password: password.value });
      }
      form.reset();
      showOk(message, `Created user ${created.name}.`);
      await reload();
    } catch (error) {
      showError(message, error);
    }
  });
  return section('New user', form, message);
}

async function editor(user, reload, close) {
  const message = messageArea();
  const profileMessage = messageArea();
  const passwordMessage = messageArea();
  const quotaMessage = messageArea();
  const email = input({ type: 'email', name: 'email', value: user.email || '' });
  const role = select('role', [['user', 'user'], ['admin', 'admin']], user.role);
  const active = h('input', { type: 'checkbox', name: 'active', checked: user.active });
  const profile = h('form', { class: 'grid-form', id: 'edit-user' },
    field('Email', email), field('Role', role),
    h('div', { class: 'field checkbox' }, active, h('label', { for: (active.id = 'active-' + user.id) }, 'Active')),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save')));
  profile.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await admin.patch(`/users/${user.id}`, { email: email.value.trim() || null, role: role.value,
        active: active.checked });
      showOk(profileMessage, 'Saved.');
      await reload();
    } catch (error) {
      showError(profileMessage, error);
    }
  });

  const password = input({ type: 'password', name: 'new-password', autocomplete: 'new-password', minlength: 12 });
  const passwordForm = h('form', { class: 'grid-form', id: 'set-password' },
    field('New password', password, 'At least 12 characters.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Set password')));
  passwordForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await admin.put(`/users/${user.id}/password`, { password: password.value });
      passwordForm.reset();
      showOk(passwordMessage, 'Password set.');
    } catch (error) {
      showError(passwordMessage, error);
    }
  });

  const quotaInputs = Object.fromEntries(QUOTA_FIELDS.map(([name]) =>
    [name, input({ type: 'number', name, min: 0, step: 1, inputmode: 'numeric' })]));
  const quotaNote = h('p', { class: 'hint' }, 'Empty means unlimited.');
  const quotaForm = h('form', { class: 'grid-form', id: 'quota' },
    QUOTA_FIELDS.map(([name, label]) => field(label, quotaInputs[name])),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save quota')));
  try {
    const quota = await admin.get(`/users/${user.id}/quota`);
    for (const [name] of QUOTA_FIELDS) {
      quotaInputs[name].value = quota[name] ?? '';
    }
  } catch (error) {
    quotaNote.textContent = 'Could not read the quota: ' + error.message;
  }
  quotaForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(QUOTA_FIELDS.map(([name]) => [name, intOrNull(quotaInputs[name])]));
    try {
      await admin.put(`/users/${user.id}/quota`, body);
      showOk(quotaMessage, 'Quota saved.');
      toast(`Quota of ${user.name} saved.`);
    } catch (error) {
      showError(quotaMessage, error);
    }
  });

  const capsMessage = messageArea();
  const capsInputs = Object.fromEntries(CAP_FIELDS.map(([name]) =>
    [name, input({ type: 'number', name, min: name === 'max_keys' ? 0 : 1, step: 1, inputmode: 'numeric' })]));
  const capsModels = input({ name: 'models', autocomplete: 'off', placeholder: 'llama3*, qwen2.5:0.5b' });
  const graceHours = input({ type: 'number', name: 'max_rotation_grace_hours', min: 0, step: 'any',
    inputmode: 'decimal' });
  const capsNote = h('p', { class: 'hint' }, 'What this user may give the keys they create themselves. Empty '
    + 'means no cap; an unset rotation grace cap is the gateway\'s KEY_ROTATION_MAX_GRACE (24 hours by default).');
  const capsForm = h('form', { class: 'grid-form', id: 'caps' },
    CAP_FIELDS.map(([name, label]) => field(label, capsInputs[name])),
    field('Models', capsModels, 'Comma-separated names or globs; their keys may use only these.'),
    field('Longest rotation grace (hours)', graceHours),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save caps')));
  try {
    const caps = await admin.get(`/users/${user.id}/caps`);
    for (const [name] of CAP_FIELDS) {
      capsInputs[name].value = caps[name] ?? '';
    }
    capsModels.value = caps.models.join(', ');
    graceHours.value = caps.max_rotation_grace_seconds === null ? '' : caps.max_rotation_grace_seconds / 3600;
  } catch (error) {
    capsNote.textContent = 'Could not read the caps: ' + error.message;
  }
  capsForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(CAP_FIELDS.map(([name]) => [name, intOrNull(capsInputs[name])]));
    body.models = modelList(capsModels.value);
    body.max_rotation_grace_seconds = graceHours.value === '' ? null : Math.round(Number(graceHours.value) * 3600);
    try {
      await admin.put(`/users/${user.id}/caps`, body);
      showOk(capsMessage, 'Caps saved.');
    } catch (error) {
      showError(capsMessage, error);
    }
  });

  const remove = h('button', { type: 'button', class: 'danger' }, 'Delete user and their keys');
  remove.addEventListener('click', async () => {
    if (remove.dataset.armed !== 'yes') {
      remove.dataset.armed = 'yes';
      remove.textContent = `Really delete ${user.name}? Click again`;
      return;
    }
    try {
      await admin.del(`/users/${user.id}`);
      toast(`Deleted ${user.name}.`);
      close();
      await reload();
    } catch (error) {
      showError(message, error);
    }
  });

  return section(`Edit ${user.name}`,
    h('h3', {}, 'Profile'), profile, profileMessage,
    h('h3', {}, 'Password'), passwordForm, passwordMessage,
    h('h3', {}, 'Quota'), quotaNote, quotaForm, quotaMessage,
    h('h3', {}, 'Self-service caps'), capsNote, capsForm, capsMessage,
    h('h3', {}, 'Delete'), message,
    h('div', { class: 'actions' }, remove,
      h('button', { type: 'button', class: 'secondary', onclick: close }, 'Close')));
}

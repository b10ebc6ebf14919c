// The console's shell: sign-in, the navigation, and one page at a time (#/dashboard, #/users, ...). An admin
// sees every page; a user (role "user") sees their own usage on the dashboard and their own keys. The server
// enforces the same split: a user's session reaches only /admin/api/me/....
import { session, setCsrfToken, whenSignedOut } from './api.js';
import { h, field, input, messageArea, showError } from './dom.js';
import * as dashboard from './dashboard.js';
import * as users from './users.js';
import * as keys from './keys.js';
import * as upstreams from './upstreams.js';
import * as audit from './audit.js';
import * as requests from './requests.js';
import * as webhooks from './webhooks.js';
import * as mykeys from './mykeys.js';

const adminPages = { dashboard, users, keys, upstreams, requests, webhooks, audit };
const userPages = { dashboard, mykeys };
let pages = adminPages;
const main = document.getElementById('main');
const top = document.getElementById('top');
let current = null; // the shown page's clean-up (timers)
let signedIn = null;

function stopPage() {
  if (current) {
    current();
    current = null;
  }
}

async function show() {
  if (!signedIn) {
    return;
  }
  stopPage();
  const name = (location.hash.replace(/^#\/?/, '') || 'dashboard').split('/')[0];
  const page = pages[name] || dashboard;
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.getAttribute('href') === '#/' + (pages[name] ? name : 'dashboard')) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
  document.getElementById('nav').classList.remove('open');
  top.classList.remove('menu-open');
  document.getElementById('menu-toggle').setAttribute('aria-expanded', 'false');
  main.replaceChildren();
  const cleanup = await page.render(main, signedIn);
  current = typeof cleanup === 'function' ? cleanup : null;
  document.title = main.querySelector('h1')?.textContent + ' · Ollama Gateway';
  main.focus({ preventScroll: true }); // screen readers start reading the new page
}

function enter(info) {
  signedIn = info;
  const role = info.role === 'user' ? 'user' : 'admin';
  pages = role === 'user' ? userPages : adminPages;
  for (const link of document.querySelectorAll('#nav a[data-role]')) {
    link.hidden = link.dataset.role !== role;
  }
  setCsrfToken(info.csrf_token);
  top.hidden = false;
  document.getElementById('whoami').textContent = info.user ? `${info.user.name} (${info.method})`
    : info.client_id;
  show();
}

function signInPage(notice) {
  stopPage();
  signedIn = null;
  setCsrfToken(null);
  top.hidden = true;
  document.title = 'Sign in · Ollama Gateway';
  const message = messageArea();
  if (notice) {
    message.textContent = notice;
    message.className = 'message';
  }

  const key = input({ type: 'password', name: 'key', autocomplete: 'off', required: true, spellcheck: 'false' });
  const keyForm = h('form', { class: 'stack', id: 'key-sign-in', 'aria-label': 'Sign in with an API key' },
    field('API key', key, 'Your key (sk-…), or the gateway\'s PROXY_AUTH_TOKEN.'),
    h('button', { type: 'submit' }, 'Sign in with key'));
  const username = input({ name: 'username', autocomplete: 'username', required: true });
  const password = input({ type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const passwordForm = h('form', { class: 'stack', id: 'password-sign-in',
    'aria-label': 'Sign in with user name and password' },
  field('User name', username), field('Password', password),
  h('button', { type: 'submit' }, 'Sign in'));

  async function attempt(form, credentials) {
    const button = form.querySelector('button');
    button.disabled = true;
    message.className = 'message';
    message.textContent = 'Signing in…';
    try {
      enter(await session.signIn(credentials));
    } catch (error) {
      const delay = error.body && error.body.next_attempt_delay_ms;
      error.message += delay ? ` — the next attempt waits ${Math.round(delay / 1000)} s.` : '';
      showError(message, error);
    } finally {
      button.disabled = false;
    }
  }
  keyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    attempt(keyForm, { key: key.value.trim() });
  });
  passwordForm.addEventListener('submit', (event) => {
    event.preventDefault();
    attempt(passwordForm, { username: username.value.trim(), password: password.value });
  });

  main.replaceChildren(h('div', { class: 'sign-in' },
    h('h1', {}, 'Ollama Gateway console'),
    h('p', { class: 'muted' }, 'Admins run the gateway here; users see their own usage and manage their own keys.'),
    message,
    h('div', { class: 'sign-in-forms' },
      h('section', { class: 'card', 'aria-labelledby': 'with-key' }, h('h2', { id: 'with-key' }, 'With an API key'),
        keyForm),
      h('section', { class: 'card', 'aria-labelledby': 'with-password' },
        h('h2', { id: 'with-password' }, 'With a password'), passwordForm))));
}

whenSignedOut((message) => signInPage(message));
window.addEventListener('hashchange', show);
document.getElementById('sign-out').addEventListener('click', async () => {
  try {
    await session.signOut();
  } finally {
    history.replaceState(null, '', '#/dashboard'); // whoever signs in next starts at the dashboard
    signInPage('Signed out.');
  }
});
document.getElementById('menu-toggle').addEventListener('click', (event) => {
  const nav = document.getElementById('nav');
  const open = nav.classList.toggle('open');
  top.classList.toggle('menu-open', open);
  event.currentTarget.setAttribute('aria-expanded', String(open));
});

session.current().then(enter, () => signInPage());

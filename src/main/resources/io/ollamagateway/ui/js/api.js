// Calls to the gateway: the admin API and the console's session, on the same origin. The session cookie is
// sent by the browser (HttpOnly: scripts never see it); the CSRF token is kept in memory only and sent on
// every change.

let csrfToken = null;
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, message, field, body) {
    super(message);
    this.status = status;
    this.field = field;
    this.body = body;
  }
}

export function setCsrfToken(token) {
  csrfToken = token;
}

/** Called when the admin API says the session is gone (expired or signed out elsewhere). */
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (method !== 'GET' && csrfToken) {
    headers['X-CSRF-Token'] = csrfToken;
  }
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message = (data && data.error) || text || response.statusText;
    if (response.status === 401 && path.startsWith('/admin/api')) {
      onSignedOut(message);
    }
    throw new ApiError(response.status, message, data && data.field, data);
  }
  return data;
}

export const admin = {
  get: (path) => call('GET', '/admin/api' + path),
  post: (path, body) => call('POST', '/admin/api' + path, body ?? {}),
  patch: (path, body) => call('PATCH', '/admin/api' + path, body),
  put: (path, body) => call('PUT', '/admin/api' + path, body),
  del: (path) => call('DELETE', '/admin/api' + path),
};

export const session = {
  current: () => call('GET', '/ui/session'),
  signIn: (credentials) => call('POST', '/ui/session', credentials),
  signOut: () => call('DELETE', '/ui/session'),
};

/** A query string from an object, leaving out null and empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') {
      search.set(name, String(value));
    }
  }
  const text = search.toString();
  return text ? '?' + text : '';
}

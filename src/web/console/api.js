// The REST API (docs/api.md): fetch with the session cookie, the CSRF token on every change,
// errors as ApiError with the server's message and fix, and a 401 sends the console back to login.

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `The server answered ${status}.`);
    this.status = e.status || status;
    this.event = e.event;
    this.fix = e.fix || '';
  }
}

// Who is logged in ({user, role, csrf}), kept in memory only.
let session = null;
let onUnauthorized = () => {};

export const currentSession = () => session;
export function setSession(s) {
  session = s ? {user: s.user, role: s.role, csrf: s.csrf} : null;
}
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

// What the role may do: read-only looks; operator acknowledges/closes alerts and sets
// maintenance mode; administrator does everything.
export function can(action) {
  const role = session?.role;
  if (role === 'administrator') return true;
  if (role === 'operator') return action === 'alerts' || action === 'maintenance';
  return false;
}

// api('GET', '/computers', {query: {q: 'x'}, body, signal, login: true})
export async function api(method, path, {query, body, signal, login = false} = {}) {
  let url = `/api/v1${path}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  const headers = {Accept: 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session?.csrf) headers['X-CSRF-Token'] = session.csrf;
  let response;
  try {
    response = await fetch(url, {
      method, headers, signal, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, {error: {message: 'The management server did not answer.',
      fix: 'Check that it is running and reachable, then try again.'}});
  }
  let data = null;
  const text = await response.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 429) {
      const after = response.headers.get('Retry-After');
      if (after && !error.fix) error.fix = `Try again in ${after} s.`;
    }
    // A 401 outside the login itself: the session ended; back to the login page.
    if (response.status === 401 && !login) {
      setSession(null);
      onUnauthorized(error);
    }
    throw error;
  }
  return data;
}

// A list answer ({items, total, offset, limit}) or a bare array, as {items, total, offset}.
export function listOf(data) {
  if (Array.isArray(data)) return {items: data, total: data.length, offset: 0};
  const items = Array.isArray(data?.items) ? data.items : [];
  // total is null when the server does not count (the audit log): paging then goes on while
  // pages come back full.
  return {items, total: Number.isFinite(data?.total) ? data.total : null,
    offset: data?.offset || 0, limit: data?.limit};
}

// The console's only way to the server: the public REST API with the signed-in person's
// bearer token. Failures become ApiError with a sentence a person can act on.

const TOKEN_KEY = 'cxloop.token';
const ME_KEY = 'cxloop.me';

export class ApiError extends Error {
  constructor(status, detail, field, path) {
    super(plainWords(status, detail));
    this.status = status;
    this.detail = detail;
    this.field = field || '';
    this.path = path;
  }
}

function plainWords(status, detail) {
  switch (status) {
    case 0:
      return 'The server could not be reached. Check that cxloopd is running and try again.';
    case 401:
      return 'Your token was not accepted (mistyped, revoked or expired). Sign in again with a valid token.';
    case 403:
      return `Your role may not do this. ${detail || ''}`.trim();
    case 412:
      return 'Someone else changed this record meanwhile. Reload it, then apply your change again.';
    case 404:
      return detail || 'This record does not exist (any more).';
    default:
      return detail || `The server answered ${status} without saying why.`;
  }
}

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  me: () => JSON.parse(sessionStorage.getItem(ME_KEY) || 'null'),
  save(token, me) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(ME_KEY, JSON.stringify(me));
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(ME_KEY);
  },
};

// request('GET', '/api/v1/cases', {query, body, revision, token}) → {data, etag, status}
export async function request(method, path, options = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(options.query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  const headers = { Accept: 'application/json' };
  const token = options.token || session.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.revision !== undefined && options.revision !== null) {
    headers['If-Match'] = `"${options.revision}"`;
  }
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, '', '', path);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) {
    const detail = data && typeof data === 'object' ? data.detail : '';
    const field = data && typeof data === 'object' ? data.field : '';
    if (response.status === 401 && !options.token) window.dispatchEvent(new Event('cxloop:unauthorized'));
    throw new ApiError(response.status, detail, field, path);
  }
  return { data, etag: response.headers.get('ETag'), status: response.status };
}

export const api = {
  get: (path, query) => request('GET', path, { query }).then((r) => r.data),
  post: (path, body, options = {}) => request('POST', path, { ...options, body }).then((r) => r.data),
  patch: (path, body, options = {}) => request('PATCH', path, { ...options, body }).then((r) => r.data),
  put: (path, body, options = {}) => request('PUT', path, { ...options, body }).then((r) => r.data),
  del: (path) => request('DELETE', path).then((r) => r.data),
};

// Whether the server offers a route at all: features that other parts of cxloop add later
// (suggestions, tasks, analytics, campaigns) are shown only when their API answers.
export async function available(path, query) {
  try {
    return { ok: true, data: await api.get(path, query) };
  } catch (error) {
    // The server's own answer for a path it has no route for ("no resource at ..."), as
    // opposed to a route that exists and did not find the record.
    const noRoute = (error.status === 404 && /^no resource at /.test(error.detail || '')) || error.status === 405;
    return { ok: false, missing: noRoute, error };
  }
}

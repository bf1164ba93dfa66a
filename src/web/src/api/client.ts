import { ApiError, errorFromResponse, networkError } from './errors';
import { getAccessToken, refreshSession } from './session-store';

export { ApiError } from './errors';

export const API_BASE = '/api/v1';

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  const token = getAccessToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  try {
    return await fetch(`${API_BASE}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw networkError(cause);
  }
}

async function parse(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * One API call. A 401 triggers a single refresh through the session cookie and one retry, so an access
 * token that expired while the tab slept does not surface as an error.
 */
async function request<T>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<{ data: T; headers: Headers }> {
  let response = await send(method, path, options);
  if (response.status === 401 && getAccessToken() !== null) {
    if (await refreshSession()) response = await send(method, path, options);
  }
  const body = await parse(response);
  if (!response.ok) throw errorFromResponse(response.status, body, response.statusText);
  return { data: body as T, headers: response.headers };
}

/** The file name a `Content-Disposition: attachment` names (the UTF-8 form first), else `fallback`. */
function attachmentName(header: string | null, fallback: string): string {
  const utf8 = header?.match(/filename\*=UTF-8''([^;]+)/i)?.[1];
  if (utf8) {
    try {
      return decodeURIComponent(utf8);
    } catch {
      // A malformed encoding: try the plain name.
    }
  }
  return header?.match(/filename="([^"]+)"/i)?.[1] ?? fallback;
}

/**
 * Saves what a GET answers as a file. A plain link would not carry the access token (it lives only in memory),
 * so the body is fetched with it, like every call, and handed to the browser as a blob.
 */
async function download(path: string, fallbackName: string): Promise<void> {
  const options: RequestOptions = { headers: { Accept: '*/*' } };
  let response = await send('GET', path, options);
  if (response.status === 401 && getAccessToken() !== null) {
    if (await refreshSession()) response = await send('GET', path, options);
  }
  if (!response.ok) throw errorFromResponse(response.status, await parse(response), response.statusText);
  const url = URL.createObjectURL(await response.blob());
  try {
    const link = document.createElement('a');
    link.href = url;
    link.download = attachmentName(response.headers.get('content-disposition'), fallbackName);
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    // After the click has started the download; revoking at once can cancel it in some browsers.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

export const api = {
  request,
  download,
  get: async <T>(path: string, init?: { headers?: Record<string, string>; signal?: AbortSignal }) =>
    (await request<T>('GET', path, init)).data,
  post: async <T>(path: string, body?: unknown) => (await request<T>('POST', path, { body })).data,
  patch: async <T>(path: string, body?: unknown, headers?: Record<string, string>) =>
    (await request<T>('PATCH', path, { body, headers })).data,
  del: async <T>(path: string) => (await request<T>('DELETE', path)).data,
};

/** Builds `?a=1&b=2` from the defined, non-empty values. */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const isApiError = (error: unknown): error is ApiError => error instanceof ApiError;

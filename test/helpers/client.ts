import { expect } from 'vitest';

/** A tiny JSON-over-HTTP client for the tests: real requests to a real server. */

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  token?: string | undefined;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request<T = any>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON; keep the text
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  get<T = any>(path: string, token?: string) {
    return this.request<T>('GET', path, { token });
  }
  post<T = any>(path: string, body?: unknown, token?: string) {
    return this.request<T>('POST', path, { body, token });
  }
  patch<T = any>(path: string, body?: unknown, token?: string) {
    return this.request<T>('PATCH', path, { body, token });
  }
  delete<T = any>(path: string, token?: string) {
    return this.request<T>('DELETE', path, { token });
  }
}

export interface TestUser {
  userId: string;
  username: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  defaultCollectionId: string;
}

let counter = 0;

/** Registers a fresh user, logs in and finds their default collection. */
export async function createUser(api: ApiClient, prefix = 'user'): Promise<TestUser> {
  counter += 1;
  const username = `${prefix}${counter}_${Math.random().toString(36).slice(2, 8)}`;
  const email = `${username}@example.com`;
  const password = 'correct horse battery';
  const registered = await api.post('/api/v1/auth/register', { username, email, password });
  if (registered.status !== 201) throw new Error(`register failed: ${JSON.stringify(registered.body)}`);
  const login = await api.post('/api/v1/auth/login', { username, password });
  if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
  const collections = await api.get('/api/v1/collections', login.body.access_token);
  const defaultCollection = collections.body.collections.find((c: { name: string }) => c.name === 'default');
  return {
    userId: registered.body.user_id,
    username,
    email,
    password,
    accessToken: login.body.access_token,
    refreshToken: login.body.refresh_token,
    defaultCollectionId: defaultCollection.collection_id,
  };
}

/** Makes a user a superuser through the admin-key bootstrap route. */
export async function promote(api: ApiClient, userId: string, key = 'test-admin-key') {
  const response = await api.request('POST', `/api/v1/admin/users/${userId}/promote`, {
    headers: { 'x-admin-api-key': key },
  });
  if (response.status !== 200) throw new Error(`promote failed: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Asserts an error response's status and `detail.code`, showing the body when they differ. */
export function expectError(
  response: { status: number; body: { detail?: { code?: string } } },
  status: number,
  code: string,
) {
  expect(
    { status: response.status, code: response.body?.detail?.code },
    JSON.stringify(response.body),
  ).toEqual({
    status,
    code,
  });
}

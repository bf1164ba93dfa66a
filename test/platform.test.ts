import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createUser } from './helpers/client.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let api: ApiClient;

beforeAll(async () => {
  server = await startTestServer();
  api = new ApiClient(server.url);
});
afterAll(() => server?.close());

describe('platform endpoints', () => {
  it('serves /health and /ready', async () => {
    expect(await api.get('/health')).toMatchObject({ status: 200, body: { status: 'healthy' } });
    const ready = await api.get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.database).toBe('ok');
  });

  it('serves Prometheus metrics that count requests', async () => {
    await api.get('/health');
    const metrics = await api.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.body).toContain(
      'http_request_duration_seconds_count{method="GET",route="/health",status="200"}',
    );
  });

  it('serves the OpenAPI document and the interactive reference', async () => {
    const spec = await api.get('/api/v1/openapi.json');
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/login',
        '/api/v1/collections/{collection_id}',
        '/api/v1/admin/users',
      ]),
    );
    const docs = await fetch(`${server.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const response = await api.get('/api/v1/nope');
    expect(response.status).toBe(404);
    expect(response.body.detail.code).toBe('NOT_FOUND');
  });

  it('echoes a request id', async () => {
    const response = await api.request('GET', '/health', { headers: { 'x-request-id': 'abc-123' } });
    expect(response.headers.get('x-request-id')).toBe('abc-123');
  });

  it('rejects malformed JSON with 400 and oversized bodies with 413', async () => {
    const user = await createUser(api);
    const malformed = await api.request('POST', '/api/v1/collections', {
      token: user.accessToken,
      rawBody: '{"name":',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.detail.code).toBe('MALFORMED_JSON');
    const huge = await api.request('POST', '/api/v1/collections', {
      token: user.accessToken,
      rawBody: JSON.stringify({ name: 'x'.repeat(7 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.detail.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

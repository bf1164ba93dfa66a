import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEB_ROOT, registerWebUi } from './web-ui.js';

const INDEX = '<!doctype html><html><body><div id="root"></div></body></html>';
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

async function appServing(root: string, options: { helmet?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify();
  if (options.helmet) await app.register(helmet, { global: true });
  await app.register(rateLimit, { global: true, max: 1000, timeWindow: 60_000 });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ detail: { code: 'NOT_FOUND', message: 'nope' } }),
  );
  app.get('/api/v1/ping', async () => ({ ok: true }));
  await registerWebUi(app, { root });
  await app.ready();
  return app;
}

describe('web UI serving', () => {
  let dir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'web-ui-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'index-AbC123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dir, '.secret'), 'hidden');
    app = await appServing(dir);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves the default root next to the compiled server', () => {
    expect(DEFAULT_WEB_ROOT.replaceAll('\\', '/')).toMatch(/\/dist\/web\/$/);
  });

  it('serves index.html at / without long caching', async () => {
    const res = await app.inject({ url: '/', headers: HTML });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toBe(INDEX);
  });

  it('caches hashed assets forever', async () => {
    const res = await app.inject({ url: '/assets/index-AbC123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-type']).toContain('javascript');
  });

  it('revalidates other files', async () => {
    const res = await app.inject({ url: '/favicon.svg' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('falls back to index.html for client routes that accept HTML', async () => {
    for (const url of ['/dashboard', '/documents/abc/edit', '/documents?collection_id=x']) {
      const res = await app.inject({ url, headers: HTML });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(INDEX);
      expect(res.headers['cache-control'], url).toBe('no-cache');
    }
  });

  it('serves the UI at / to any client, curl included', async () => {
    for (const headers of [{}, { accept: '*/*' }, HTML]) {
      const res = await app.inject({ url: '/', headers });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(INDEX);
    }
  });

  it('answers HEAD like GET', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/dashboard', headers: HTML });
    expect(res.statusCode).toBe(200);
  });

  it('does not fall back for server paths, non-HTML requests, missing assets or dotfiles', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['/api/v1/nothing', HTML],
      ['/api', HTML],
      ['/mcp/x', HTML],
      ['/v1/embeddings/x', HTML],
      ['/docs/x', HTML],
      ['/health/x', HTML],
      ['/ready/x', HTML],
      ['/metrics/x', HTML],
      ['/.well-known/oauth-protected-resource', HTML],
      ['/dashboard', { accept: 'application/json' }],
      ['/dashboard', {}],
      ['/assets/index-old999.js', HTML],
      ['/.secret', { accept: '*/*' }],
    ];
    for (const [url, headers] of cases) {
      const res = await app.inject({ url, headers });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toEqual({ detail: { code: 'NOT_FOUND', message: 'nope' } });
    }
  });

  it('never serves dotfiles', async () => {
    const res = await app.inject({ url: '/.secret', headers: HTML });
    expect(res.body).not.toContain('hidden');
  });

  it('leaves other methods and real routes alone', async () => {
    expect((await app.inject({ method: 'POST', url: '/dashboard', headers: HTML })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/v1/ping', headers: HTML })).json()).toEqual({ ok: true });
  });

  it('does not escape the root', async () => {
    const res = await app.inject({ url: '/..%2f..%2fetc%2fpasswd', headers: { accept: '*/*' } });
    expect(res.statusCode).toBe(404);
  });

  it('explains how to build when dist/web is missing', async () => {
    const bare = await appServing(join(dir, 'does-not-exist'));
    try {
      const res = await bare.inject({ url: '/', headers: HTML });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('npm run build');
      expect((await bare.inject({ url: '/api/v1/x', headers: HTML })).statusCode).toBe(404);
    } finally {
      await bare.close();
    }
  });

  it('serves the OAuth consent page so that no other page can frame it', async () => {
    const res = await app.inject({ url: '/oauth/consent/abc123', headers: HTML });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(INDEX);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toBe("frame-ancestors 'none'");
  });

  it('keeps the rest of the content security policy on the consent page', async () => {
    const guarded = await appServing(dir, { helmet: true });
    try {
      const consent = await guarded.inject({ url: '/oauth/consent/abc123', headers: HTML });
      const policy = String(consent.headers['content-security-policy']);
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).not.toContain("frame-ancestors 'self'");
      expect(policy).toContain("default-src 'self'");
      expect(consent.headers['x-frame-options']).toBe('DENY');
      // Other pages keep helmet's same-origin rule.
      const other = await guarded.inject({ url: '/documents', headers: HTML });
      expect(other.headers['x-frame-options']).toBe('SAMEORIGIN');
    } finally {
      await guarded.close();
    }
  });

  it('leaves the rest of /oauth to the authorization server', async () => {
    for (const url of ['/oauth/authorize?client_id=x', '/oauth/consent', '/oauth/token']) {
      expect((await app.inject({ url, headers: HTML })).statusCode, url).toBe(404);
    }
  });
});

import { existsSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONSENT_PREFIX } from '../oauth/paths.js';

/**
 * Serves the built web UI (`dist/web`). This module runs as src/http/web-ui.ts under tsx and as
 * dist/http/web-ui.js after the build; both sit two levels below the repository root.
 */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** Paths that belong to the server: never answered with the UI's index.html. */
const SERVER_PREFIXES = [
  '/api',
  '/mcp',
  '/v1',
  '/docs',
  '/health',
  '/ready',
  '/metrics',
  '/.well-known',
  '/oauth',
];

// Vite puts content-hashed files under /assets/, so they can be cached forever; everything else must be
// revalidated so a new build is picked up at once.
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ainstruct</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>ainstruct</h1>
<p>The web UI has not been built yet. Run <code>npm run build</code> and reload this page.</p>
<p>The API is available under <a href="/docs">/docs</a>.</p>
</body></html>
`;

const isServerPath = (pathname: string) =>
  !pathname.startsWith(CONSENT_PREFIX) &&
  SERVER_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));

/**
 * The consent page must never be framed: a page that overlays it could trick a click on "Approve"
 * (clickjacking). Helmet's default for every page allows same-origin frames; here no frame at all.
 */
function forbidFraming(reply: FastifyReply): void {
  const current = reply.getHeader('content-security-policy');
  const policy = typeof current === 'string' ? current : '';
  const directives = policy
    .split(';')
    .map((directive) => directive.trim())
    .filter((directive) => directive !== '' && !directive.startsWith('frame-ancestors'));
  reply.header('content-security-policy', [...directives, "frame-ancestors 'none'"].join(';'));
  reply.header('x-frame-options', 'DENY');
}

const acceptsHtml = (request: FastifyRequest) => (request.headers.accept ?? '').includes('text/html');

/** The request's path, decoded and normalised, or undefined when it can't name a file. */
function requestPath(url: string): string | undefined {
  try {
    const decoded = decodeURIComponent(url.split('?')[0] ?? '/');
    if (decoded.includes('\0')) return undefined;
    return posix.normalize(decoded);
  } catch {
    return undefined;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export async function registerWebUi(app: FastifyInstance, options: { root?: string } = {}): Promise<void> {
  const root = options.root ?? DEFAULT_WEB_ROOT;
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root,
      serve: false,
      cacheControl: false,
      dotfiles: 'deny',
      setHeaders: (res, path) => {
        const fromAssets = path.split(/[\\/]/).includes('assets');
        res.setHeader('cache-control', fromAssets ? IMMUTABLE : REVALIDATE);
      },
    });

    const serve = async (request: FastifyRequest, reply: FastifyReply) => {
      const pathname = requestPath(request.url);
      if (pathname === undefined || isServerPath(pathname)) return reply.callNotFound();

      const built = existsSync(join(root, 'index.html'));
      const isDotPath = pathname.split('/').some((segment) => segment.startsWith('.'));
      if (built && pathname !== '/' && !isDotPath && isFile(join(root, `.${pathname}`))) {
        return reply.sendFile(pathname.slice(1));
      }
      // A missing hashed asset is a stale page asking for an old build: a plain 404, never the HTML.
      // `/` is the UI for any client (curl included); deeper paths only for browsers asking for a page.
      if (pathname.startsWith('/assets/') || (pathname !== '/' && !acceptsHtml(request))) {
        return reply.callNotFound();
      }
      if (!built) {
        return reply.code(200).header('cache-control', REVALIDATE).type('text/html').send(NOT_BUILT_PAGE);
      }
      return reply.sendFile('index.html');
    };

    // Only the consent route gets the stricter framing rule; it is otherwise the ordinary UI.
    const serveConsent = async (request: FastifyRequest, reply: FastifyReply) => {
      forbidFraming(reply);
      return serve(request, reply);
    };

    // Static files are cheap and a single page load fetches several; they do not count against the API limit.
    scope.get('/', { config: { rateLimit: false }, schema: { hide: true } }, serve);
    scope.get('/*', { config: { rateLimit: false }, schema: { hide: true } }, serve);
    scope.get(`${CONSENT_PREFIX}*`, { config: { rateLimit: false }, schema: { hide: true } }, serveConsent);
  });
}

/**
 * The read path's yardstick: a bare Fastify 5 + postgres.js server doing the minimum an authenticated read
 * must do, on the same database as ainstruct: the PAT's hash looked up by its unique index, then the document
 * by its primary key, returned as JSON. No logging, no validation, no access policy, no usage counting.
 * Started by bench/read-path.ts (PORT, DATABASE_URL from the environment).
 */
import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import postgres from 'postgres';

const sql = postgres(process.env.DATABASE_URL ?? '', { max: 10, onnotice: () => {} });
const app = Fastify({ logger: false });

app.get('/ready', async () => ({ status: 'ok' }));
app.get<{ Params: { id: string } }>('/api/v1/documents/:id', async (request, reply) => {
  const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (!token) return reply.code(401).send({ detail: 'unauthorized' });
  const hash = createHash('sha256').update(token).digest('hex');
  const [pat] = await sql`select user_id, expires_at from personal_access_tokens where token_hash = ${hash}`;
  if (!pat) return reply.code(401).send({ detail: 'unauthorized' });
  const [doc] = await sql`select id, collection_id, title, content, content_hash, document_type, metadata,
    chunk_count, token_count, created_at, updated_at from documents where id = ${request.params.id}`;
  if (!doc) return reply.code(404).send({ detail: 'not found' });
  return doc;
});

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 18700) });

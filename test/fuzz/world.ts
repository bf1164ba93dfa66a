import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { queryRows } from '../../src/db/client.js';
import { ApiClient, createUser, promote, type TestUser } from '../helpers/client.js';
import { createCat, createCollection, createPat, storeNew } from '../helpers/documents.js';
import { createReadPat, createTenant, expiredCopy, type Tenant } from '../helpers/mcp.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { IdSource } from './arbitraries.js';

/**
 * The fuzz suite's world: a real server and the parties the generated requests act as and against. Tenant `a`
 * is the caller under test with every kind of credential; tenant `b` is another user whose ids are thrown at
 * `a`'s credentials (and the other way round); `admin` is a superuser; victims are users only admins touch.
 */

export type Owner = 'a' | 'b' | 'admin';

export interface Credential {
  name: string;
  /** The Authorization header, if any. */
  authorization: string | undefined;
  /** Whose credential it is; undefined for none and garbage. */
  owner: Owner | undefined;
}

interface FuzzTenant extends Tenant {
  spareCollectionId: string;
  documentIds: string[];
  /** Ids of the PATs and CATs the credentials above are, which destructive requests must leave alone. */
  credentialTokenIds: string[];
  spareTokenIds: { pat: string; cat: string };
  /** Every id this tenant has ever had, deleted ones included (those must give 404 too). */
  pastIds: Record<'collection' | 'document' | 'pat' | 'cat', Set<string>>;
  /** Text only this tenant's documents contain: seeing it from another tenant's credential is a leak. */
  marker: string;
}

/** A cheap fingerprint of the stored state: one digest per user of everything they own. */
export type Snapshot = Map<string, string>;

/** Test-server settings: small bodies and documents keep boundary cases cheap to send and to embed. */
export const FUZZ_ENV = {
  EMBEDDING_WORKERS: '1',
  MAX_BODY_BYTES: '65536',
  MAX_DOCUMENT_BYTES: '8192',
  LAST_USED_FLUSH_SECONDS: '3600',
};

export class World {
  readonly api: ApiClient;
  credentials: Credential[] = [];
  victims: string[] = [];

  private constructor(
    readonly server: TestServer,
    readonly a: FuzzTenant,
    readonly b: FuzzTenant,
    readonly admin: TestUser,
    private garbage: Credential[],
  ) {
    this.api = new ApiClient(server.url);
    this.victims = [];
  }

  static async start(): Promise<World> {
    const server = await startTestServer(FUZZ_ENV);
    const api = new ApiClient(server.url);
    const [a, b] = [await fuzzTenant(api, 'fuzza'), await fuzzTenant(api, 'fuzzb')];
    const admin = await createUser(api, 'fuzzadmin');
    await promote(api, admin.userId);
    const world = new World(server, a, b, admin, await garbageCredentials(a));
    for (let i = 0; i < 2; i++) world.victims.push((await createUser(api, 'fuzzvictim')).userId);
    world.refreshCredentials();
    return world;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private refreshCredentials(): void {
    const bearer = (token: string) => `Bearer ${token}`;
    const { a, b, admin } = this;
    this.credentials = [
      { name: 'a.jwt', authorization: bearer(a.jwt), owner: 'a' },
      { name: 'a.pat', authorization: bearer(a.pat), owner: 'a' },
      { name: 'a.readPat', authorization: bearer(a.readPat), owner: 'a' },
      { name: 'a.catRead', authorization: bearer(a.catRead), owner: 'a' },
      { name: 'a.catReadWrite', authorization: bearer(a.catReadWrite), owner: 'a' },
      { name: 'b.jwt', authorization: bearer(b.jwt), owner: 'b' },
      { name: 'b.catReadWrite', authorization: bearer(b.catReadWrite), owner: 'b' },
      { name: 'admin.jwt', authorization: bearer(admin.accessToken), owner: 'admin' },
      { name: 'none', authorization: undefined, owner: undefined },
      ...this.garbage,
    ];
  }

  /** A caller: mostly one with a valid credential (so requests get past authentication), sometimes not. */
  callers(): fc.Arbitrary<Credential> {
    const valid = this.credentials.filter((c) => c.owner !== undefined);
    const invalid = this.credentials.filter((c) => c.owner === undefined);
    return fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...valid) },
      { weight: 1, arbitrary: fc.constantFrom(...invalid) },
    );
  }

  tenant(owner: 'a' | 'b'): FuzzTenant {
    return owner === 'a' ? this.a : this.b;
  }

  /**
   * Real ids to aim at, by argument name. A destructive request (`unsafe`) never aims at what the caller's own
   * credentials stand on (their user, their CATs' collection, their tokens), so one lucky DELETE does not
   * disarm the rest of the run; other tenants' ids stay in, since reaching those is the bug to find.
   */
  idSource(caller: Credential, unsafe: boolean): IdSource {
    const protectedIds = new Set<string>();
    if (unsafe && (caller.owner === 'a' || caller.owner === 'b')) {
      const own = this.tenant(caller.owner);
      protectedIds.add(own.user.userId);
      protectedIds.add(own.mainCollectionId);
      for (const id of own.credentialTokenIds) protectedIds.add(id);
    }
    if (unsafe && caller.owner === 'admin') {
      for (const id of [this.a.user.userId, this.b.user.userId, this.admin.userId]) protectedIds.add(id);
    }
    const both = (kind: keyof FuzzTenant['pastIds']) => [...this.a.pastIds[kind], ...this.b.pastIds[kind]];
    const byName = (name: string): string[] => {
      if (/collection_ids?$/.test(name)) return both('collection');
      if (name === 'document_id') return both('document');
      if (name === 'pat_id') return both('pat');
      if (name === 'cat_id' || name === 'key_id') return both('cat');
      if (name === 'user_id')
        return [this.a.user.userId, this.b.user.userId, this.admin.userId, ...this.victims];
      return [];
    };
    return { idsFor: (name) => byName(name).filter((id) => !protectedIds.has(id)) };
  }

  /**
   * What the caller must never be shown: another tenant's ids, names and document text. An id the request
   * itself carried may be echoed back ("Collection X not found"), so the caller's request is passed in.
   */
  leaksIn(caller: Credential, requestText: string, responseText: string): string[] {
    const others = (['a', 'b'] as const).filter((t) => t !== caller.owner);
    return others.flatMap((owner) => {
      const t = this.tenant(owner);
      const secret = [
        t.marker,
        ...t.pastIds.collection,
        ...t.pastIds.document,
        ...t.pastIds.pat,
        ...t.pastIds.cat,
        // Admins manage users, so they see these; nobody else may.
        ...(caller.owner === 'admin' ? [] : [t.user.userId, t.user.email]),
      ];
      const asked = requestText.toLowerCase();
      return secret.filter((value) => responseText.includes(value) && !asked.includes(value.toLowerCase()));
    });
  }

  /** One digest per user over their row and everything they own (usage counters and last_used aside). */
  async snapshot(): Promise<Snapshot> {
    const rows = await queryRows<{ id: string; digest: string }>(
      this.server.handle.db,
      sql`select u.id::text as id, md5(concat_ws('|',
        concat_ws(',', u.username, u.email, u.password_hash, u.is_active, u.is_superuser, u.updated_at),
        (select string_agg(concat_ws(',', c.id, c.name, c.updated_at), ';' order by c.id)
           from collections c where c.user_id = u.id),
        (select string_agg(concat_ws(',', d.id, d.collection_id, d.title, d.content_hash, d.document_type,
                  d.metadata::text, d.chunk_count, d.updated_at), ';' order by d.id)
           from documents d join collections c on c.id = d.collection_id where c.user_id = u.id),
        (select count(*) from chunks ch join collections c on c.id = ch.collection_id where c.user_id = u.id),
        (select string_agg(concat_ws(',', p.id, p.label, p.token_hash, p.scopes::text, p.expires_at), ';'
                  order by p.id)
           from personal_access_tokens p where p.user_id = u.id),
        (select string_agg(concat_ws(',', k.id, k.collection_id, k.label, k.key_hash, k.permission,
                  k.expires_at), ';' order by k.id)
           from collection_access_tokens k where k.user_id = u.id),
        (select string_agg(concat_ws(',', s.id, s.revoked_at), ';' order by s.id)
           from auth_sessions s where s.user_id = u.id),
        (select string_agg(concat_ws(',', r.id, r.used_at), ';' order by r.id)
           from refresh_tokens r join auth_sessions s on s.id = r.session_id where s.user_id = u.id)
      )) as digest from users u`,
    );
    return new Map(rows.map((row) => [row.id, row.digest]));
  }

  /** Users whose digest differs between two snapshots (added and removed users included). */
  changedUsers(before: Snapshot, after: Snapshot): string[] {
    const ids = new Set([...before.keys(), ...after.keys()]);
    return [...ids].filter((id) => before.get(id) !== after.get(id));
  }

  /** The user id behind an owner, to tell whose state a request may change. */
  userIdOf(owner: Owner): string {
    return owner === 'admin' ? this.admin.userId : this.tenant(owner).user.userId;
  }

  /**
   * Puts back what successful requests legitimately destroyed (a deleted document, a revoked credential), so
   * each route's run starts from the same kind of world. Returns whether any credential changed.
   */
  async heal(): Promise<boolean> {
    let changed = false;
    for (const tenant of [this.a, this.b]) changed = (await healTenant(this.api, tenant)) || changed;
    if (!(await works(this.api, this.admin.accessToken, '/api/v1/auth/profile'))) {
      this.admin.accessToken = await login(this.api, this.admin);
      changed = true;
    }
    if (changed) this.refreshCredentials();
    return changed;
  }
}

const hex = () => randomBytes(6).toString('hex');

async function fuzzTenant(api: ApiClient, prefix: string): Promise<FuzzTenant> {
  const tenant = await createTenant(api, prefix);
  const token = tenant.jwt;
  const marker = `fuzzsecret${hex()}`;
  const spareCollectionId = await createCollection(api, token, `spare ${hex()}`);
  const documentIds = [
    await storeNew(api, token, {
      title: `${marker} main`,
      content: `# ${marker}\n\nA note in main.`,
      collection_id: tenant.mainCollectionId,
    }),
    await storeNew(api, token, {
      title: `${marker} other`,
      content: `${marker} other text`,
      document_type: 'text',
      collection_id: tenant.otherCollectionId,
    }),
  ];
  const spareTokenIds = {
    pat: (await createPat(api, token)).id,
    cat: await spareCat(api, token, spareCollectionId),
  };
  const fuzz: FuzzTenant = {
    ...tenant,
    spareCollectionId,
    documentIds,
    credentialTokenIds: [],
    spareTokenIds,
    pastIds: { collection: new Set(), document: new Set(documentIds), pat: new Set(), cat: new Set() },
    marker,
  };
  await recordTokenIds(api, fuzz);
  for (const id of [tenant.user.defaultCollectionId, tenant.mainCollectionId, tenant.otherCollectionId]) {
    fuzz.pastIds.collection.add(id);
  }
  fuzz.pastIds.collection.add(spareCollectionId);
  return fuzz;
}

async function spareCat(api: ApiClient, token: string, collectionId: string): Promise<string> {
  const body = { label: 'spare', collection_id: collectionId, permission: 'read' };
  const response = await api.post('/api/v1/auth/cat', body, token);
  if (response.status !== 201) throw new Error(`create CAT failed: ${JSON.stringify(response.body)}`);
  return response.body.cat_id as string;
}

/** Learns the ids of every PAT and CAT of the tenant; all but the spare ones back a credential. */
async function recordTokenIds(api: ApiClient, tenant: FuzzTenant): Promise<void> {
  const pats = (await api.get('/api/v1/auth/pat', tenant.jwt)).body.tokens as { pat_id: string }[];
  const cats = (await api.get('/api/v1/auth/cat', tenant.jwt)).body.tokens as { cat_id: string }[];
  for (const { pat_id } of pats) tenant.pastIds.pat.add(pat_id);
  for (const { cat_id } of cats) tenant.pastIds.cat.add(cat_id);
  const spare = new Set([tenant.spareTokenIds.pat, tenant.spareTokenIds.cat]);
  tenant.credentialTokenIds = [...pats.map((p) => p.pat_id), ...cats.map((c) => c.cat_id)].filter(
    (id) => !spare.has(id),
  );
}

async function works(api: ApiClient, token: string, path: string): Promise<boolean> {
  return (await api.get(path, token)).status === 200;
}

async function login(api: ApiClient, user: TestUser): Promise<string> {
  const response = await api.post('/api/v1/auth/login', { username: user.username, password: user.password });
  if (response.status !== 200) throw new Error(`re-login failed: ${JSON.stringify(response.body)}`);
  return response.body.access_token as string;
}

async function healTenant(api: ApiClient, t: FuzzTenant): Promise<boolean> {
  let changed = false;
  if (!(await works(api, t.jwt, '/api/v1/auth/profile'))) {
    t.jwt = await login(api, t.user);
    t.user.accessToken = t.jwt;
    changed = true;
  }
  if (!(await works(api, t.pat, '/api/v1/auth/profile'))) {
    t.pat = (await createPat(api, t.jwt)).token;
    changed = true;
  }
  if (!(await works(api, t.readPat, '/api/v1/auth/profile'))) {
    t.readPat = (await createReadPat(api, t.jwt)).token;
    changed = true;
  }
  if (!(await works(api, t.catRead, '/api/v1/documents?limit=1'))) {
    t.catRead = await createCat(api, t.jwt, t.mainCollectionId, 'read');
    changed = true;
  }
  if (!(await works(api, t.catReadWrite, '/api/v1/documents?limit=1'))) {
    t.catReadWrite = await createCat(api, t.jwt, t.mainCollectionId, 'read_write');
    changed = true;
  }
  const missing: string[] = [];
  for (const id of t.documentIds) {
    if (!(await works(api, t.jwt, `/api/v1/documents/${id}`))) missing.push(id);
  }
  if (missing.length > 0) {
    t.documentIds = t.documentIds.filter((id) => !missing.includes(id));
    const id = await storeNew(api, t.jwt, {
      title: `${t.marker} again`,
      content: `${t.marker} restored ${hex()}`,
      collection_id: t.mainCollectionId,
    });
    t.documentIds.push(id);
    t.pastIds.document.add(id);
  }
  if (!(await works(api, t.jwt, `/api/v1/collections/${t.spareCollectionId}`))) {
    t.spareCollectionId = await createCollection(api, t.jwt, `spare ${hex()}`);
    t.pastIds.collection.add(t.spareCollectionId);
  }
  const listed = (await api.get('/api/v1/collections', t.jwt)).body.collections as {
    collection_id: string;
  }[];
  for (const { collection_id } of listed) t.pastIds.collection.add(collection_id);
  await recordTokenIds(api, t);
  return changed;
}

/** Credentials that must all be refused: malformed, forged, expired, or of the wrong scheme. */
async function garbageCredentials(a: Tenant): Promise<Credential[]> {
  const forged = await new SignJWT({ sub: a.user.userId, sid: a.user.userId, type: 'access' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('not-the-server-secret-0123456789-0123456789'));
  const values = [
    'Bearer',
    'Bearer ',
    'Bearer garbage',
    'Basic dXNlcjpjb3JyZWN0IGhvcnNlIGJhdHRlcnk=',
    `Bearer pat_live_${'A'.repeat(43)}`,
    `Bearer cat_live_${'A'.repeat(43)}`,
    `Bearer cat_live_${"'%_\\".repeat(10)}`,
    'Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIn0.',
    `Bearer ${forged}`,
    `Bearer ${await expiredCopy(a.jwt)}`,
    `Bearer ${a.jwt.slice(0, -4)}`,
    `Bearer ${'x'.repeat(8_000)}`,
    `Token ${a.pat}`,
  ];
  return values.map((authorization, i) => ({ name: `garbage${i}`, authorization, owner: undefined }));
}

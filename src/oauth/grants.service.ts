import { assertCanActAsUser } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { notFound } from '../errors.js';
import { type OAuthGrantListed, oauthRepository } from './oauth.repository.js';
import type { GrantResponse } from './oauth.schemas.js';

/** The person's connected OAuth clients: listing and disconnecting. */
export function createGrantsService(ctx: Pick<AppContext, 'db' | 'lastUsed'>) {
  const { db, lastUsed } = ctx;
  const present = (row: OAuthGrantListed, lastUsedAt: Date | null | undefined): GrantResponse => ({
    id: row.id,
    client_id: row.clientId,
    client_name: row.clientName ?? row.clientHost,
    client_host: row.clientHost,
    access: row.access,
    collection_id: row.collectionId,
    collection_name: row.collectionName,
    created_at: row.createdAt.toISOString(),
    last_used_at: lastUsedAt?.toISOString() ?? null,
  });

  return {
    async list(principal: Principal, page: { limit: number; offset: number }) {
      assertCanActAsUser(principal, { write: false });
      const { rows, total } = await oauthRepository.listGrants(db, principal.userId, page);
      const times = await lastUsed.merge('oauth', rows);
      return { grants: rows.map((row) => present(row, times.get(row.id))), total };
    },

    /** Disconnects the client: the grant row and every token and code issued under it. */
    async disconnect(principal: Principal, id: string): Promise<void> {
      assertCanActAsUser(principal, { write: true });
      if (!(await oauthRepository.deleteGrant(db, id, principal.userId))) {
        throw notFound('NOT_FOUND', 'Connected client not found');
      }
    },
  };
}

import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Database } from '../db/client.js';
import { oauthRepository } from './oauth.repository.js';

/** Models whose validity depends on the person's grant still existing (and its user still being active). */
const GRANT_BOUND = new Set(['AccessToken', 'RefreshToken', 'AuthorizationCode']);

/** Ids oidc-provider issues are short URL-safe strings; anything else (a client's garbage) cannot be stored. */
const storableId = (id: unknown): id is string =>
  typeof id === 'string' && id.length > 0 && id.length <= 2048 && /^[\w.:/%~+=@-]+$/.test(id);

/**
 * oidc-provider's storage in the database. Besides storing, `find` refuses tokens and codes whose grant row is
 * gone or whose user is deactivated, so disconnecting, deleting a collection or deactivating a user stops
 * access and refresh at once; and when the library revokes a grant (revocation endpoint, refresh-token reuse,
 * code reuse) the person's grant row goes with it.
 */
export function adapterFactory(db: Database) {
  return class DatabaseAdapter implements Adapter {
    constructor(private readonly kind: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      await oauthRepository.upsertModel(db, {
        kind: this.kind,
        id,
        payload: payload as Record<string, unknown>,
        grantId: typeof payload.grantId === 'string' ? payload.grantId : null,
        uid: typeof payload.uid === 'string' ? payload.uid : null,
        userCode: typeof payload.userCode === 'string' ? payload.userCode : null,
        expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      });
    }

    private async live(
      found: Awaited<ReturnType<typeof oauthRepository.findModel>>,
    ): Promise<AdapterPayload | undefined> {
      if (!found) return undefined;
      if (found.expiresAt && found.expiresAt.getTime() <= Date.now()) return undefined;
      // A grant whose row went with its collection or user must not satisfy the consent check either,
      // or the client would get codes that can never be exchanged.
      if (this.kind === 'Grant' && typeof found.payload.jti === 'string') {
        if (!(await oauthRepository.findLiveGrant(db, found.payload.jti))) return undefined;
      }
      const grantId = found.payload.grantId;
      if (GRANT_BOUND.has(this.kind) && typeof grantId === 'string') {
        if (!(await oauthRepository.findLiveGrant(db, grantId))) return undefined;
      }
      return found.payload as AdapterPayload;
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (!storableId(id)) return undefined;
      return this.live(await oauthRepository.findModel(db, this.kind, { id }));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      if (!storableId(uid)) return undefined;
      return this.live(await oauthRepository.findModel(db, this.kind, { uid }));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      if (!storableId(userCode)) return undefined;
      return this.live(await oauthRepository.findModel(db, this.kind, { userCode }));
    }

    async consume(id: string): Promise<void> {
      await oauthRepository.consumeModel(db, this.kind, id);
    }

    async destroy(id: string): Promise<void> {
      if (this.kind === 'Grant') {
        await oauthRepository.deleteGrant(db, id);
        return;
      }
      await oauthRepository.destroyModel(db, this.kind, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await oauthRepository.deleteGrant(db, grantId);
      await oauthRepository.destroyByGrantId(db, grantId);
    }
  };
}

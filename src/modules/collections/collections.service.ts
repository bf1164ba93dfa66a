import {
  assertCanActAsUser,
  assertCanManageCollection,
  assertCollectionVisible,
  requireUserCredential,
} from '../../auth/access.js';
import type { Principal } from '../../auth/principal.js';
import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { AppError, badRequest, conflict } from '../../errors.js';
import { type CollectionWithCounts, collectionsRepository } from './collections.repository.js';

export const DEFAULT_COLLECTION_NAME = 'default';

export interface CollectionView {
  collection_id: string;
  name: string;
  document_count: number;
  cat_count: number;
  created_at: string;
  updated_at: string;
}

export function presentCollection(row: CollectionWithCounts): CollectionView {
  return {
    collection_id: row.id,
    name: row.name,
    document_count: row.documentCount,
    cat_count: row.catCount,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** Collection names are unique per owner, ignoring case. */
const NAME_INDEX = 'collections_user_name_lower_key';
const nameTaken = (name: string) =>
  conflict('COLLECTION_NAME_EXISTS', `You already have a collection named "${name}" (names ignore case)`);

/** Inserts a collection, turning the unique-name race into the same clear conflict as the pre-check. */
export async function insertCollection(db: Executor, userId: string, name: string) {
  try {
    return await collectionsRepository.insert(db, userId, name);
  } catch (error) {
    if (isUniqueViolation(error, NAME_INDEX)) throw nameTaken(name);
    throw error;
  }
}

export function createCollectionsService(ctx: Pick<AppContext, 'db' | 'vectors'>) {
  const { db, vectors } = ctx;

  async function load(principal: Principal, id: string): Promise<CollectionWithCounts> {
    requireUserCredential(principal);
    return assertCollectionVisible(principal, await collectionsRepository.findWithCounts(db, id));
  }

  return {
    async create(input: { principal: Principal; name: string }): Promise<CollectionView> {
      assertCanActAsUser(input.principal, { write: true });
      const row = await insertCollection(db, input.principal.userId, input.name);
      return presentCollection({ ...row, documentCount: 0, catCount: 0 });
    },

    /** The caller's collection of that name (ignoring case), created if there is none; safe under races. */
    async ensure(input: {
      principal: Principal;
      name: string;
    }): Promise<{ collection_id: string; created: boolean }> {
      assertCanActAsUser(input.principal, { write: true });
      for (let attempt = 0; ; attempt++) {
        const existing = await collectionsRepository.findByName(db, input.principal.userId, input.name);
        if (existing) return { collection_id: existing.id, created: false };
        try {
          const row = await insertCollection(db, input.principal.userId, input.name);
          return { collection_id: row.id, created: true };
        } catch (error) {
          // Created by someone else since the look-up: read it again (once).
          if (attempt > 0 || !(error instanceof AppError && error.code === 'COLLECTION_NAME_EXISTS'))
            throw error;
        }
      }
    },

    async list(input: { principal: Principal; limit: number; offset: number }) {
      requireUserCredential(input.principal);
      const page = await collectionsRepository.listForOwner(db, input.principal.userId, input);
      return {
        collections: page.rows.map(presentCollection),
        total: page.total,
        limit: input.limit,
        offset: input.offset,
      };
    },

    async get(input: { principal: Principal; collectionId: string }): Promise<CollectionView> {
      return presentCollection(await load(input.principal, input.collectionId));
    },

    async rename(input: {
      principal: Principal;
      collectionId: string;
      name: string;
    }): Promise<CollectionView> {
      const existing = assertCanManageCollection(
        input.principal,
        await collectionsRepository.findWithCounts(db, input.collectionId),
      );
      try {
        const renamed = await collectionsRepository.rename(db, existing.id, input.name);
        if (!renamed) throw new AppError(404, 'COLLECTION_NOT_FOUND', 'Collection not found');
        return presentCollection({ ...existing, ...renamed });
      } catch (error) {
        if (isUniqueViolation(error, NAME_INDEX)) throw nameTaken(input.name);
        throw error;
      }
    },

    /** Refused while collection access tokens exist, so no agent loses access by surprise. */
    async delete(input: { principal: Principal; collectionId: string }): Promise<{ message: string }> {
      return db.transaction(async (tx) => {
        const existing = assertCanManageCollection(
          input.principal,
          await collectionsRepository.findByIdForUpdate(tx, input.collectionId),
        );
        const cats = await collectionsRepository.countCats(tx, existing.id);
        if (cats > 0) {
          throw badRequest(
            'COLLECTION_HAS_ACTIVE_CATS',
            `Collection has ${cats} collection access token(s); revoke them before deleting it`,
          );
        }
        await collectionsRepository.delete(tx, existing.id);
        await vectors.deleteCollections(tx, [existing.id]);
        return { message: `Collection "${existing.name}" and its documents were deleted` };
      });
    },
  };
}

export type CollectionsService = ReturnType<typeof createCollectionsService>;

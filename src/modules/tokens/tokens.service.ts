import { assertCanActAsUser, assertCanManageCollection, assertCollectionVisible } from '../../auth/access.js';
import type { CatPermission, Principal } from '../../auth/principal.js';
import { CAT_PREFIX, newSecret, PAT_PREFIX, sha256Hex } from '../../auth/secrets.js';
import type { AppContext } from '../../context.js';
import { isForeignKeyViolation } from '../../db/errors.js';
import { notFound } from '../../errors.js';
import { collectionsRepository } from '../collections/collections.repository.js';
import { type CatRow, type PatRow, tokensRepository } from './tokens.repository.js';

export interface PatView {
  pat_id: string;
  label: string;
  user_id: string;
  scopes: string[];
  created_at: string;
  expires_at: string | null;
  last_used: string | null;
  is_active: boolean;
}

export interface CatView {
  cat_id: string;
  label: string;
  collection_id: string;
  collection_name: string;
  permission: CatPermission;
  created_at: string;
  expires_at: string | null;
  last_used: string | null;
  is_active: boolean;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);
const isActive = (expiresAt: Date | null) => expiresAt === null || expiresAt.getTime() > Date.now();
const days = (n: number) => new Date(Date.now() + n * 86_400_000);
const patNotFound = () => notFound('PAT_NOT_FOUND', 'Personal access token not found');
const catNotFound = () => notFound('CAT_NOT_FOUND', 'Collection access token not found');

export function createTokensService(ctx: Pick<AppContext, 'db' | 'config' | 'lastUsed'>) {
  const { db, config, lastUsed } = ctx;

  const presentPat = (row: PatRow, lastUsedAt: Date | null | undefined = row.lastUsed): PatView => ({
    pat_id: row.id,
    label: row.label,
    user_id: row.userId,
    scopes: row.scopes,
    created_at: row.createdAt.toISOString(),
    expires_at: iso(row.expiresAt),
    last_used: iso(lastUsedAt ?? null),
    is_active: isActive(row.expiresAt),
  });

  const presentCat = (
    row: CatRow,
    collectionName: string,
    lastUsedAt: Date | null | undefined = row.lastUsed,
  ): CatView => ({
    cat_id: row.id,
    label: row.label,
    collection_id: row.collectionId,
    collection_name: collectionName,
    permission: row.permission,
    created_at: row.createdAt.toISOString(),
    expires_at: iso(row.expiresAt),
    last_used: iso(lastUsedAt ?? null),
    is_active: isActive(row.expiresAt),
  });

  return {
    async createPat(input: {
      principal: Principal;
      label: string;
      expiresInDays?: number | null | undefined;
      scopes?: ('read' | 'write')[] | undefined;
    }): Promise<PatView & { token: string }> {
      assertCanActAsUser(input.principal, { write: true });
      const token = newSecret(PAT_PREFIX);
      const row = await tokensRepository.insertPat(db, {
        userId: input.principal.userId,
        label: input.label,
        tokenHash: sha256Hex(token),
        scopes: input.scopes ?? ['read', 'write'],
        expiresAt: days(input.expiresInDays ?? config.PAT_DEFAULT_EXPIRY_DAYS),
      });
      return { ...presentPat(row), token };
    },

    async listPats(input: { principal: Principal }): Promise<{ tokens: PatView[] }> {
      assertCanActAsUser(input.principal, { write: false });
      const rows = await tokensRepository.listPats(db, input.principal.userId);
      const times = await lastUsed.merge('pat', rows);
      return { tokens: rows.map((row) => presentPat(row, times.get(row.id))) };
    },

    /** New secret for the same token id; the old secret stops working at once. */
    async rotatePat(input: {
      principal: Principal;
      patId: string;
      label?: string | undefined;
      expiresInDays?: number | null | undefined;
    }): Promise<PatView & { token: string }> {
      assertCanActAsUser(input.principal, { write: true });
      const existing = await tokensRepository.findPat(db, input.patId, input.principal.userId);
      if (!existing) throw patNotFound();
      const token = newSecret(PAT_PREFIX);
      const row = await tokensRepository.updatePat(db, existing.id, input.principal.userId, {
        tokenHash: sha256Hex(token),
        expiresAt: days(input.expiresInDays ?? config.PAT_DEFAULT_EXPIRY_DAYS),
        ...(input.label === undefined ? {} : { label: input.label }),
      });
      if (!row) throw patNotFound();
      const times = await lastUsed.merge('pat', [row]);
      return { ...presentPat(row, times.get(row.id)), token };
    },

    async revokePat(input: { principal: Principal; patId: string }): Promise<{ message: string }> {
      assertCanActAsUser(input.principal, { write: true });
      if (!(await tokensRepository.deletePat(db, input.patId, input.principal.userId))) throw patNotFound();
      return { message: 'Personal access token revoked' };
    },

    async createCat(input: {
      principal: Principal;
      label: string;
      collectionId: string;
      permission: CatPermission;
      expiresInDays?: number | null | undefined;
    }): Promise<CatView & { token: string }> {
      const collection = assertCanManageCollection(
        input.principal,
        await collectionsRepository.findById(db, input.collectionId),
      );
      const token = newSecret(CAT_PREFIX);
      try {
        const row = await tokensRepository.insertCat(db, {
          collectionId: collection.id,
          userId: input.principal.userId,
          label: input.label,
          keyHash: sha256Hex(token),
          permission: input.permission,
          expiresAt: days(input.expiresInDays ?? config.CAT_DEFAULT_EXPIRY_DAYS),
        });
        return { ...presentCat(row, collection.name), token };
      } catch (error) {
        // The collection was deleted between the check and the insert.
        if (isForeignKeyViolation(error)) throw notFound('COLLECTION_NOT_FOUND', 'Collection not found');
        throw error;
      }
    },

    async listCats(input: { principal: Principal; collectionId?: string | undefined }): Promise<{
      tokens: CatView[];
    }> {
      assertCanActAsUser(input.principal, { write: false });
      if (input.collectionId !== undefined) {
        assertCollectionVisible(
          input.principal,
          await collectionsRepository.findById(db, input.collectionId),
        );
      }
      const rows = await tokensRepository.listCats(db, input.principal.userId, input.collectionId);
      const times = await lastUsed.merge('cat', rows);
      return { tokens: rows.map((row) => presentCat(row, row.collectionName, times.get(row.id))) };
    },

    async rotateCat(input: {
      principal: Principal;
      catId: string;
      label?: string | undefined;
      expiresInDays?: number | null | undefined;
    }): Promise<CatView & { token: string }> {
      assertCanActAsUser(input.principal, { write: true });
      const existing = await tokensRepository.findCat(db, input.catId, input.principal.userId);
      if (!existing) throw catNotFound();
      const token = newSecret(CAT_PREFIX);
      const row = await tokensRepository.updateCat(db, existing.id, {
        keyHash: sha256Hex(token),
        expiresAt: days(input.expiresInDays ?? config.CAT_DEFAULT_EXPIRY_DAYS),
        ...(input.label === undefined ? {} : { label: input.label }),
      });
      if (!row) throw catNotFound();
      const times = await lastUsed.merge('cat', [row]);
      return { ...presentCat(row, existing.collectionName, times.get(row.id)), token };
    },

    async revokeCat(input: { principal: Principal; catId: string }): Promise<{ message: string }> {
      assertCanActAsUser(input.principal, { write: true });
      const existing = await tokensRepository.findCat(db, input.catId, input.principal.userId);
      if (!existing || !(await tokensRepository.deleteCat(db, existing.id))) throw catNotFound();
      return { message: 'Collection access token revoked' };
    },
  };
}

export type TokensService = ReturnType<typeof createTokensService>;

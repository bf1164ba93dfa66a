import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { assertCanExportCollection, assertCanUseEmbeddings } from './access.js';
import type { Principal } from './principal.js';

const base = { userId: 'u1', username: 'alice', isSuperuser: false, credentialId: 'c1' };
const jwt: Principal = { ...base, kind: 'jwt', scopes: ['read', 'write'] };
const writePat: Principal = { ...base, kind: 'pat', scopes: ['read', 'write'] };
const readPat: Principal = { ...base, kind: 'pat', scopes: ['read'] };
const readCat: Principal = {
  ...base,
  kind: 'cat',
  scopes: ['read'],
  collection: { id: 'k1', permission: 'read' },
};
const writeCat: Principal = {
  ...base,
  kind: 'cat',
  scopes: ['read', 'write'],
  collection: { id: 'k1', permission: 'read_write' },
};

function refusal(principal: Principal, allowReadTokens: boolean): string | undefined {
  try {
    assertCanUseEmbeddings(principal, { allowReadTokens });
    return undefined;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return `${error.status} ${error.code}`;
  }
}

describe('assertCanUseEmbeddings', () => {
  it('lets JWTs and read_write PATs use the embeddings endpoint', () => {
    expect(refusal(jwt, false)).toBeUndefined();
    expect(refusal(writePat, false)).toBeUndefined();
  });

  it('refuses read-only PATs and CATs of either permission by default, with 403', () => {
    expect(refusal(readPat, false)).toBe('403 INSUFFICIENT_SCOPE');
    expect(refusal(readCat, false)).toBe('403 INSUFFICIENT_SCOPE');
    expect(refusal(writeCat, false)).toBe('403 INSUFFICIENT_SCOPE');
  });

  it('lets every credential in when read tokens are allowed', () => {
    for (const principal of [jwt, writePat, readPat, readCat, writeCat]) {
      expect(refusal(principal, true)).toBeUndefined();
    }
  });
});

describe('assertCanExportCollection', () => {
  const own = { id: 'k1', userId: 'u1' };
  const sibling = { id: 'k2', userId: 'u1' };
  const foreign = { id: 'k3', userId: 'u2' };
  const outcome = (principal: Principal, collection: typeof own | undefined) => {
    try {
      return assertCanExportCollection(principal, collection).id;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return `${error.status} ${error.code}`;
    }
  };

  it("lets user credentials (even read-only) export any of the owner's collections", () => {
    for (const principal of [jwt, writePat, readPat]) {
      expect(outcome(principal, own)).toBe('k1');
      expect(outcome(principal, sibling)).toBe('k2');
    }
  });

  it('lets a collection token of either permission export its own collection only', () => {
    for (const principal of [readCat, writeCat]) {
      expect(outcome(principal, own)).toBe('k1');
      expect(outcome(principal, sibling)).toBe('404 COLLECTION_NOT_FOUND');
    }
  });

  it("answers 404 for another user's collection and for a missing one", () => {
    for (const principal of [jwt, writePat, readCat]) {
      expect(outcome(principal, foreign)).toBe('404 COLLECTION_NOT_FOUND');
      expect(outcome(principal, undefined)).toBe('404 COLLECTION_NOT_FOUND');
    }
  });
});

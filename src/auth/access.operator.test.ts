import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import {
  assertCollectionVisible,
  assertDocumentVisible,
  requireOperator,
  requireSuperuser,
  requireWriteScope,
} from './access.js';
import { OPERATOR, operatorActingAs, type Principal } from './principal.js';

function refusal(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return `${error.status} ${error.code}`;
  }
}

const superuserJwt: Principal = {
  userId: 'u1',
  username: 'root',
  isSuperuser: true,
  kind: 'jwt',
  scopes: ['read', 'write'],
  credentialId: 's1',
};

describe('the local operator in the access policy', () => {
  it('only the operator may migrate or re-index; no network credential can, superuser or not', () => {
    expect(refusal(() => requireOperator(OPERATOR))).toBeUndefined();
    expect(refusal(() => requireOperator(superuserJwt))).toBe('403 FORBIDDEN');
    expect(
      refusal(() => requireOperator(operatorActingAs({ id: 'u2', username: 'bob', isSuperuser: true }))),
    ).toBe('403 FORBIDDEN');
  });

  it('the operator administers users (as a superuser with write scope would)', () => {
    expect(refusal(() => requireSuperuser(OPERATOR))).toBeUndefined();
    expect(refusal(() => requireWriteScope(OPERATOR))).toBeUndefined();
  });

  it('the operator sees no collection and no document of anyone', () => {
    for (const userId of ['u1', OPERATOR.userId.replace(/0$/, '1')]) {
      expect(refusal(() => assertCollectionVisible(OPERATOR, { id: 'k1', userId }))).toBe(
        '404 COLLECTION_NOT_FOUND',
      );
      expect(refusal(() => assertDocumentVisible(OPERATOR, { collectionId: 'k1', ownerId: userId }))).toBe(
        '404 DOCUMENT_NOT_FOUND',
      );
    }
  });

  it('acting as a user gives exactly that user’s reach: their collections, nobody else’s', () => {
    const bob = operatorActingAs({ id: 'u2', username: 'bob', isSuperuser: false });
    expect(bob).toMatchObject({ userId: 'u2', kind: 'cli', scopes: ['read', 'write'] });
    expect(refusal(() => assertCollectionVisible(bob, { id: 'k2', userId: 'u2' }))).toBeUndefined();
    expect(refusal(() => assertCollectionVisible(bob, { id: 'k1', userId: 'u1' }))).toBe(
      '404 COLLECTION_NOT_FOUND',
    );
    expect(refusal(() => requireSuperuser(bob))).toBe('403 FORBIDDEN');
  });

  it('the operator principal cannot be altered by a caller', () => {
    expect(Object.isFrozen(OPERATOR)).toBe(true);
    expect(() => {
      (OPERATOR as { userId: string }).userId = 'u1';
    }).toThrow();
  });
});

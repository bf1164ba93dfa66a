import type { Cat, Pat } from '../../api/types';

export type { Cat, Pat };
export type TokenKind = 'pat' | 'cat';
export const KIND_NAMES = { pat: 'personal access token', cat: 'collection access token' } as const;
export type CatPermission = Cat['permission'];

export interface TokenList<T> {
  tokens: T[];
}

export type PatWithSecret = Pat & { token: string };
export type CatWithSecret = Cat & { token: string };

/** A freshly created or rotated token: the only time the secret is available. */
export interface IssuedToken {
  kind: TokenKind;
  label: string;
  token: string;
  expires_at: string | null;
  rotated: boolean;
}

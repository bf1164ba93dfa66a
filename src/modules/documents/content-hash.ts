import { createHash } from 'node:crypto';

/**
 * sha256 of a text's UTF-8 bytes, hex: a document's `content_hash` (and a chunk's text hash). Shared so that
 * `ainstruct sync` hashes a file exactly as the server hashes the content, and an unchanged file is known as
 * such without sending it.
 */
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

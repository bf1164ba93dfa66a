/**
 * pgvector's text form of a vector, the one way vectors are written to PostgreSQL. Non-finite components (which
 * pgvector rejects) become 0: a model that produced one would otherwise fail the whole write.
 */
export function vectorLiteral(values: ArrayLike<number>): string {
  return `[${Array.from(values, (v) => (Number.isFinite(v) ? v : 0)).join(',')}]`;
}

/** The inverse, for vectors read back as text (`embedding::text`). */
export function parseVectorLiteral(text: string): number[] {
  return JSON.parse(text) as number[];
}

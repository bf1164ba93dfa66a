/** Finds a PostgreSQL error code on an error or any error in its cause chain (drivers and drizzle wrap them). */
function pgField(error: unknown, field: 'code' | 'constraint' | 'constraint_name'): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const value = (current as Record<string, unknown>)[field];
    if (typeof value === 'string') return value;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for a unique-constraint violation, optionally of one named index or constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (pgField(error, 'code') !== '23505') return false;
  if (constraint === undefined) return true;
  const name = pgField(error, 'constraint') ?? pgField(error, 'constraint_name');
  return name === undefined || name === constraint;
}

export function isForeignKeyViolation(error: unknown): boolean {
  return pgField(error, 'code') === '23503';
}

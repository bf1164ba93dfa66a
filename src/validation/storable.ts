/**
 * The one rule for text a client sends: every string (and every object key) anywhere in a request must be
 * storable by PostgreSQL as it was sent. `text` and `jsonb` refuse U+0000, and a lone UTF-16 surrogate has no
 * UTF-8 form (drivers would silently turn it into U+FFFD, so what was read back would differ from what was
 * stored). Checked once per request, before any schema, by the REST layer for body, query string and path
 * parameters, and by the MCP layer for tool arguments, so no present or future field can miss it.
 */

export interface UnstorableText {
  /** Where the string is, as field names and array indexes from the top of the value. */
  path: (string | number)[];
  message: string;
}

const NUL_MESSAGE = 'must not contain NUL characters (\\u0000)';
const SURROGATE_MESSAGE = 'must be valid Unicode (it contains an unpaired UTF-16 surrogate)';
/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Beyond this many problems a client learns nothing new; walking on only costs time. */
const MAX_PROBLEMS = 20;

/** Why PostgreSQL could not store this string as is, or undefined when it can. */
export function unstorableReason(value: string): string | undefined {
  if (value.includes('\u0000')) return NUL_MESSAGE;
  if (LONE_SURROGATE.test(value)) return SURROGATE_MESSAGE;
  return undefined;
}

/** One value still to visit, linked to its parent so paths are built only for the strings that fail. */
interface Visit {
  value: unknown;
  step?: string | number;
  parent?: Visit;
  /** The key itself is the string to check (its value is visited separately). */
  isKey?: boolean;
}

function pathOf(visit: Visit): (string | number)[] {
  const path: (string | number)[] = [];
  for (let node: Visit | undefined = visit; node?.step !== undefined; node = node.parent)
    path.push(node.step);
  return path.reverse();
}

/**
 * Every unstorable string or key in a parsed JSON value (or query/params object), in document order.
 * Iterative, so a deeply nested body cannot overflow the stack; stops after a few problems.
 */
export function findUnstorableText(value: unknown): UnstorableText[] {
  const problems: UnstorableText[] = [];
  const pending: Visit[] = [{ value }];
  while (pending.length > 0 && problems.length < MAX_PROBLEMS) {
    const visit = pending.pop() as Visit;
    const current = visit.value;
    if (typeof current === 'string') {
      const message = unstorableReason(current);
      if (message)
        problems.push({ path: pathOf(visit), message: visit.isKey ? `(a key) ${message}` : message });
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) {
        pending.push({ value: current[index], step: index, parent: visit });
      }
    } else if (current !== null && typeof current === 'object') {
      const entries = Object.entries(current);
      for (let index = entries.length - 1; index >= 0; index--) {
        const [key, child] = entries[index] as [string, unknown];
        pending.push({ value: child, step: key, parent: visit });
        pending.push({ value: key, step: key, parent: visit, isKey: true });
      }
    }
  }
  return problems;
}

/** A path as the error lists show it (`metadata.tags.0`), with unprintable characters of keys escaped. */
export function formatPath(path: (string | number)[]): string {
  return path
    .map((part) => {
      if (typeof part === 'number') return String(part);
      const readable = JSON.stringify(part).slice(1, -1);
      return readable.replaceAll(
        /[\u007f-\u009f]/g,
        (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
    })
    .join('.');
}

import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/server';
import type { z } from 'zod';

/**
 * Tool results. A failure is a normal result with `isError: true` (never a JSON-RPC error), so the agent
 * reads why and can correct itself: the text starts with a stable code (`DOCUMENT_NOT_FOUND: Document not
 * found`), and `_meta["ainstruct/error"]` carries the same for programs as `{ code, message, errors? }`.
 * A failure has no structured content: that must match the tool's output schema, which describes success
 * only (the spec exempts error results from it).
 */

export const ERROR_META_KEY = 'ainstruct/error';

export interface ArgumentError {
  argument: string;
  message: string;
}

export interface ToolErrorData {
  /** Stable machine-readable code, e.g. DOCUMENT_NOT_FOUND or VALIDATION_ERROR. */
  code: string;
  /** What went wrong and, where possible, what to do instead. */
  message: string;
  /** Each invalid argument (VALIDATION_ERROR only). */
  errors?: ArgumentError[];
}

export function errorResult(code: string, message: string, errors?: ArgumentError[]): CallToolResult {
  const error: ToolErrorData = errors && errors.length > 0 ? { code, message, errors } : { code, message };
  return {
    isError: true,
    content: [{ type: 'text', text: `${code}: ${message}` }],
    _meta: { [ERROR_META_KEY]: error },
  };
}

/** A success: the structured data, and a text rendering for clients that do not read structured content. */
export function successResult(data: Record<string, unknown>, content?: ContentBlock[]): CallToolResult {
  return { content: content ?? [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
}

/** Zod issues as "which argument, and why", with absent required arguments said plainly. */
export function argumentErrors(error: z.ZodError, args: unknown): ArgumentError[] {
  const given = typeof args === 'object' && args !== null ? args : {};
  return error.issues.map((issue) => {
    const argument = issue.path.map(String).join('.');
    const [top] = issue.path;
    const missing = issue.path.length === 1 && typeof top === 'string' && !(top in given);
    return { argument: argument || '(arguments)', message: missing ? 'is required' : issue.message };
  });
}

import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/server';
import { z } from 'zod';

/**
 * Tool results. A failure is a normal result with `isError: true` (never a JSON-RPC error), so the agent
 * reads why and can correct itself: the text starts with a stable code (`DOCUMENT_NOT_FOUND: Document not
 * found`) and the structured content carries the same as `{ error: { code, message } }`.
 */

export const toolError = z
  .object({
    error: z.object({
      code: z.string().describe('Stable machine-readable code, e.g. DOCUMENT_NOT_FOUND or VALIDATION_ERROR'),
      message: z.string().describe('What went wrong and, where possible, what to do instead'),
      errors: z
        .array(z.object({ argument: z.string(), message: z.string() }))
        .optional()
        .describe('Each invalid argument (VALIDATION_ERROR only)'),
    }),
  })
  .describe('The shape of structuredContent when isError is true');

export interface ArgumentError {
  argument: string;
  message: string;
}

export function errorResult(code: string, message: string, errors?: ArgumentError[]): CallToolResult {
  const error = errors && errors.length > 0 ? { code, message, errors } : { code, message };
  return {
    isError: true,
    content: [{ type: 'text', text: `${code}: ${message}` }],
    structuredContent: { error },
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

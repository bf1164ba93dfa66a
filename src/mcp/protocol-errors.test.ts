import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issueSummary } from './protocol-errors.js';

describe('issueSummary', () => {
  it('turns a serialized zod issue list into one line per parameter', () => {
    const result = z
      .object({
        params: z.object({ protocolVersion: z.string(), clientInfo: z.object({ name: z.string() }) }),
      })
      .safeParse({ params: { protocolVersion: 5, clientInfo: {} } });
    if (result.success) throw new Error('expected a failure');
    expect(issueSummary(String(result.error))).toBe(
      'protocolVersion: expected string, received number; clientInfo.name: expected string, received undefined',
    );
    expect(issueSummary(`Invalid tools/call request: ${String(result.error)}`)).toContain('protocolVersion');
  });

  it('leaves other messages alone', () => {
    expect(issueSummary('Tool nope not found')).toBeUndefined();
    expect(issueSummary('Resource [x] not found')).toBeUndefined();
    expect(issueSummary('[1, 2]')).toBeUndefined();
  });
});

import { useQuery } from '@tanstack/react-query';

/** The configured maximum lifetimes, when the server's OpenAPI document could be read. */
export interface TokenLimits {
  patMaxDays: number | undefined;
  catMaxDays: number | undefined;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Finds the first numeric `maximum` in a JSON schema (expires_in_days is nullish, hence wrapped in anyOf). */
function findMaximum(schema: Json | undefined): number | undefined {
  if (!isObject(schema)) return Array.isArray(schema) ? schema.map(findMaximum).find(Boolean) : undefined;
  if (typeof schema.maximum === 'number') return schema.maximum;
  for (const value of Object.values(schema)) {
    const found = findMaximum(value);
    if (found !== undefined) return found;
  }
  return undefined;
}

function expiryMaximum(document: Json, path: string): number | undefined {
  if (!isObject(document) || !isObject(document.paths)) return undefined;
  const operation = document.paths[path];
  if (!isObject(operation) || !isObject(operation.post)) return undefined;
  const body = operation.post.requestBody;
  if (!isObject(body) || !isObject(body.content)) return undefined;
  const media = body.content['application/json'];
  if (!isObject(media) || !isObject(media.schema) || !isObject(media.schema.properties)) return undefined;
  return findMaximum(media.schema.properties.expires_in_days);
}

/**
 * The longest lifetimes the server accepts (PAT_MAX_EXPIRY_DAYS / CAT_MAX_EXPIRY_DAYS), read from the OpenAPI
 * document the server generates from its validation schemas, so the form can say the limit before submitting.
 * When that fails the form simply leaves the check to the API, whose message is shown.
 */
export function useTokenLimits(): TokenLimits {
  const query = useQuery({
    queryKey: ['openapi', 'token-limits'],
    queryFn: async (): Promise<TokenLimits> => {
      const response = await fetch('/api/v1/openapi.json', { headers: { Accept: 'application/json' } });
      if (!response.ok) return { patMaxDays: undefined, catMaxDays: undefined };
      const document = (await response.json()) as Json;
      return {
        patMaxDays: expiryMaximum(document, '/api/v1/auth/pat'),
        catMaxDays: expiryMaximum(document, '/api/v1/auth/cat'),
      };
    },
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  return query.data ?? { patMaxDays: undefined, catMaxDays: undefined };
}

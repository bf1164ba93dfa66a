import { z } from 'zod';
import { expiresInDays, label } from '../../http/schemas.js';
import type { CatView } from '../../modules/tokens/tokens.service.js';
import { catView, collectionIdArg, keyIdArg } from '../schemas.js';
import { defineTool, type McpTool } from '../tool.js';

/**
 * Collection access tokens (CATs): credentials limited to one collection, for handing to another agent. Only
 * the owner, with a user credential, manages them; a CAT can never mint, list or rotate tokens.
 */

const catWithKey = catView.extend({
  key: z.string().describe('The token secret (cat_live_…); shown only now, store it safely'),
});

/** The service calls the secret `token` (as REST does); the original MCP tools called it `key`. */
const withKey = ({ token, ...view }: CatView & { token: string }) => ({ ...view, key: token });

export function tokenTools(limits: { catMaxDays: number }): McpTool[] {
  const writeUser = { userCredential: true, write: true };
  const lifetime = expiresInDays(limits.catMaxDays);

  const create = defineTool({
    name: 'create_collection_access_token_tool',
    title: 'Create collection access token',
    description:
      'Create a token that gives access to one of your collections only, e.g. for another agent: ' +
      'permission read lets it search and read; read_write also lets it store, change and delete documents ' +
      'there. The secret is returned once, as key.',
    input: z.strictObject({
      label: label(100).describe('Name to recognise the token by'),
      collection_id: collectionIdArg.describe('The collection the token reaches'),
      permission: z
        .enum(['read', 'read_write'])
        .default('read_write')
        .describe('read, or read_write to also change documents'),
      expires_in_days: lifetime,
    }),
    output: catWithKey,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    needs: writeUser,
    async run(args, { services, principal }) {
      const created = await services.tokens.createCat({
        principal,
        label: args.label,
        collectionId: args.collection_id,
        permission: args.permission,
        expiresInDays: args.expires_in_days,
      });
      return withKey(created);
    },
  });

  const list = defineTool({
    name: 'list_collection_access_tokens_tool',
    title: 'List collection access tokens',
    description: 'List the collection access tokens on your collections (never their secrets).',
    input: z.strictObject({
      collection_id: collectionIdArg.nullish().describe('Only tokens of this collection'),
    }),
    output: z.object({ keys: z.array(catView) }),
    annotations: { readOnlyHint: true, idempotentHint: true },
    needs: { userCredential: true, write: false },
    async run(args, { services, principal }) {
      const { tokens } = await services.tokens.listCats({
        principal,
        collectionId: args.collection_id ?? undefined,
      });
      return { keys: tokens };
    },
  });

  const revoke = defineTool({
    name: 'revoke_collection_access_token_tool',
    title: 'Revoke collection access token',
    description: 'Delete a collection access token; whoever holds it loses access at once.',
    input: z.strictObject({ key_id: keyIdArg }),
    output: z.object({ success: z.literal(true), key_id: z.string(), message: z.string() }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
    needs: writeUser,
    async run(args, { services, principal }) {
      const { message } = await services.tokens.revokeCat({ principal, catId: args.key_id });
      return { success: true as const, key_id: args.key_id, message };
    },
  });

  const rotate = defineTool({
    name: 'rotate_collection_access_token_tool',
    title: 'Rotate collection access token',
    description:
      'Replace the secret of a collection access token (same id, label and permission); the old secret ' +
      'stops working at once and the lifetime restarts. The new secret is returned once, as key.',
    input: z.strictObject({ key_id: keyIdArg, expires_in_days: lifetime }),
    output: catWithKey,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
    needs: writeUser,
    async run(args, { services, principal }) {
      const rotated = await services.tokens.rotateCat({
        principal,
        catId: args.key_id,
        expiresInDays: args.expires_in_days,
      });
      return withKey(rotated);
    },
  });

  return [create, list, revoke, rotate];
}

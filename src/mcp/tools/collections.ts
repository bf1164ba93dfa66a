import { z } from 'zod';
import { collectionName } from '../../modules/collections/collections.schemas.js';
import { collectionIdArg, collectionView, limitArg, offsetArg } from '../schemas.js';
import { defineTool, type McpTool } from '../tool.js';

/** Managing one's collections: user credentials (JWT or PAT) only, never a collection access token. */

const nameArg = collectionName.describe('Collection name, unique among your collections ignoring case');
const readUser = { userCredential: true, write: false };
const writeUser = { userCredential: true, write: true };

const create = defineTool({
  name: 'create_collection_tool',
  title: 'Create collection',
  description:
    'Create a new, empty collection to group documents (for example one per project). Fails with ' +
    'COLLECTION_NAME_EXISTS if you already have a collection of that name.',
  input: z.strictObject({ name: nameArg }),
  output: collectionView,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  needs: writeUser,
  run: (args, { services, principal }) => services.collections.create({ principal, name: args.name }),
});

const list = defineTool({
  name: 'list_collections_tool',
  title: 'List collections',
  description: 'List your collections by name, with their ids and how many documents each holds.',
  input: z.strictObject({ limit: limitArg(100), offset: offsetArg }),
  output: z.object({
    collections: z.array(collectionView),
    total: z.number().describe('All your collections, across pages'),
    limit: z.number(),
    offset: z.number(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  needs: readUser,
  run: (args, { services, principal }) =>
    services.collections.list({ principal, limit: args.limit, offset: args.offset }),
});

const get = defineTool({
  name: 'get_collection_tool',
  title: 'Get collection',
  description: 'Details of one of your collections: name, document count, access-token count, dates.',
  input: z.strictObject({ collection_id: collectionIdArg }),
  output: collectionView,
  annotations: { readOnlyHint: true, idempotentHint: true },
  needs: readUser,
  run: (args, { services, principal }) =>
    services.collections.get({ principal, collectionId: args.collection_id }),
});

const rename = defineTool({
  name: 'rename_collection_tool',
  title: 'Rename collection',
  description: 'Give one of your collections a new name; its documents and tokens are unaffected.',
  input: z.strictObject({ collection_id: collectionIdArg, name: nameArg.describe('The new name') }),
  output: collectionView,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  needs: writeUser,
  run: (args, { services, principal }) =>
    services.collections.rename({ principal, collectionId: args.collection_id, name: args.name }),
});

const remove = defineTool({
  name: 'delete_collection_tool',
  title: 'Delete collection',
  description:
    'Delete one of your collections together with all its documents, permanently. Refused with ' +
    'COLLECTION_HAS_ACTIVE_CATS while collection access tokens exist for it: revoke them first.',
  input: z.strictObject({ collection_id: collectionIdArg }),
  output: z.object({ success: z.literal(true), collection_id: z.string(), message: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  needs: writeUser,
  async run(args, { services, principal }) {
    const { message } = await services.collections.delete({ principal, collectionId: args.collection_id });
    return { success: true as const, collection_id: args.collection_id, message };
  },
});

export const collectionTools: McpTool[] = [create, list, get, rename, remove];

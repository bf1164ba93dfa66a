import type Provider from 'oidc-provider';
import { assertCanActAsUser, assertCollectionVisible } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { notFound } from '../errors.js';
import { collectionsRepository } from '../modules/collections/collections.repository.js';
import { oauthRepository } from './oauth.repository.js';
import type { ApproveInput, InteractionDetails } from './oauth.schemas.js';
import { OAUTH_SCOPES } from './paths.js';

type Interaction = InstanceType<Provider['Interaction']>;

const interactionNotFound = () => notFound('NOT_FOUND', 'Authorization request not found or expired');
const hostOf = (value: string | undefined) => {
  try {
    return value ? new URL(value).host : '';
  } catch {
    return '';
  }
};
const stringParam = (value: unknown) => (typeof value === 'string' ? value : undefined);
const scopesOf = (interaction: Interaction) =>
  (stringParam(interaction.params.scope) ?? '').split(' ').filter(Boolean);
const isAccessScope = (scope: string) => (OAUTH_SCOPES as readonly string[]).includes(scope);
const secondsLeft = (interaction: Interaction) =>
  Math.max(1, interaction.exp - Math.floor(Date.now() / 1000));

/**
 * The consent step of an authorization request, driven by the web UI: what the client asks for, and the
 * person's answer, which becomes oidc-provider's interaction result (login = the person, consent = a grant
 * of the chosen access). The grant's access lives in oauth_grants; the token scopes only mirror it.
 */
export function createInteractionsService(ctx: Pick<AppContext, 'db'>) {
  const { db } = ctx;

  async function open(provider: Provider, uid: string, principal: Principal) {
    assertCanActAsUser(principal, { write: false });
    const interaction = await provider.Interaction.find(uid).catch(() => undefined);
    if (!interaction || interaction.result) throw interactionNotFound();
    const clientId = stringParam(interaction.params.client_id);
    const client = clientId ? await provider.Client.find(clientId).catch(() => undefined) : undefined;
    if (!client) throw interactionNotFound();
    return { interaction, client };
  }

  function clientHost(client: { clientId: string }, redirectUri: string) {
    return hostOf(client.clientId.startsWith('https://') ? client.clientId : redirectUri) || client.clientId;
  }

  return {
    async details(provider: Provider, uid: string, principal: Principal): Promise<InteractionDetails> {
      const { interaction, client } = await open(provider, uid, principal);
      const metadata = client.metadata();
      const redirectUri = stringParam(interaction.params.redirect_uri) ?? client.redirectUris?.[0] ?? '';
      const previous = await oauthRepository.findGrantOfUser(db, principal.userId, client.clientId);
      const isDocument = (client as { clientIdMetadataDocument?: boolean }).clientIdMetadataDocument === true;
      return {
        uid: interaction.uid,
        client: {
          client_id: client.clientId,
          client_name: stringParam(metadata.client_name) ?? clientHost(client, redirectUri),
          client_host: clientHost(client, redirectUri),
          redirect_uri: redirectUri,
          client_uri: stringParam(metadata.client_uri) ?? null,
          logo_uri: stringParam(metadata.logo_uri) ?? null,
          registration: isDocument ? 'metadata_document' : 'dynamic',
        },
        requested_scopes: scopesOf(interaction),
        resource: stringParam(interaction.params.resource) ?? `${provider.issuer}/mcp`,
        previous_grant: previous ? { access: previous.access, collection_id: previous.collectionId } : null,
      };
    },

    async approve(provider: Provider, uid: string, principal: Principal, input: ApproveInput) {
      const { interaction, client } = await open(provider, uid, principal);
      if (input.collection_id !== null) {
        const collection = await collectionsRepository.findById(db, input.collection_id);
        assertCollectionVisible(principal, collection);
      }
      const resource = stringParam(interaction.params.resource) ?? `${provider.issuer}/mcp`;
      const allowed: string[] = input.access === 'read_write' ? [...OAUTH_SCOPES] : ['read'];
      const requested = scopesOf(interaction);
      // An existing grant of this person is extended (its tokens keep working with the new answer).
      const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
      const grant =
        existing && existing.accountId === principal.userId && existing.clientId === client.clientId
          ? existing
          : new provider.Grant({ accountId: principal.userId, clientId: client.clientId });
      // Scopes outside the chosen access are recorded as refused, so the same request needs no consent again;
      // asking for more than was granted does (oidc-provider's consent prompt).
      const granted = requested.filter((scope) => allowed.includes(scope) || !isAccessScope(scope));
      const refused = requested.filter((scope) => !granted.includes(scope));
      if (granted.length > 0) {
        grant.addOIDCScope(granted.join(' '));
        grant.addResourceScope(resource, granted.join(' '));
      }
      if (refused.length > 0) {
        grant.rejectOIDCScope(refused.join(' '));
        grant.rejectResourceScope(resource, refused.join(' '));
      }
      const grantId = await grant.save();
      const metadata = client.metadata();
      const redirectUri = stringParam(interaction.params.redirect_uri) ?? '';
      await oauthRepository.insertGrant(db, {
        id: grantId,
        userId: principal.userId,
        collectionId: input.collection_id,
        clientId: client.clientId,
        clientName: stringParam(metadata.client_name) ?? null,
        clientHost: clientHost(client, redirectUri),
        access: input.access,
      });
      interaction.result = { login: { accountId: principal.userId }, consent: { grantId } };
      await interaction.save(secondsLeft(interaction));
      return { redirect_to: interaction.returnTo };
    },

    async deny(provider: Provider, uid: string, principal: Principal) {
      const { interaction } = await open(provider, uid, principal);
      interaction.result = { error: 'access_denied', error_description: 'The user denied the request' };
      await interaction.save(secondsLeft(interaction));
      return { redirect_to: interaction.returnTo };
    },
  };
}

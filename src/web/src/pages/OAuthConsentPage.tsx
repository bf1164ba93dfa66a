import { Alert, Badge, Button, Divider, Group, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useParams } from 'react-router';
import { ApiError } from '../api/errors';
import {
  type OAuthAccess,
  type OAuthInteraction,
  useInteraction,
  useInteractionDecision,
} from '../api/oauth';
import { useUser } from '../api/session';
import { ErrorAlert } from '../components/ErrorAlert';
import { PageLoader } from '../components/PageLoader';
import { ClientIdentity } from './oauth/ClientIdentity';
import { ConsentFrame } from './oauth/ConsentFrame';
import { ScopeChoice, type ScopeTarget } from './oauth/ScopeChoice';

/** Requested OAuth scopes in words; unknown ones are shown as they are. */
const SCOPE_WORDS: Record<string, string> = {
  read: 'read your documents',
  write: 'change your documents',
  offline_access: 'stay connected (refresh its access without asking again)',
};

function ExpiredInteraction() {
  return (
    <ConsentFrame title="This request has expired">
      <Stack gap="sm">
        <Text size="sm">
          This authorization request is unknown, has expired, or was already answered. Go back to the
          application you were connecting and start the connection again.
        </Text>
        <Text size="xs" c="dimmed">
          Requests are only valid for a few minutes and can be used once.
        </Text>
      </Stack>
    </ConsentFrame>
  );
}

function ConsentForm({ interaction }: { interaction: OAuthInteraction }) {
  const user = useUser();
  const decision = useInteractionDecision(interaction.uid);
  const previous = interaction.previous_grant;
  // Least privilege by default: read-only, and the collection of an earlier grant when there was one.
  const [target, setTarget] = useState<ScopeTarget>(previous?.collection_id ? 'collection' : 'account');
  const [collectionId, setCollectionId] = useState<string | null>(previous?.collection_id ?? null);
  const [access, setAccess] = useState<OAuthAccess>('read');
  const [missingCollection, setMissingCollection] = useState(false);
  const [leaving, setLeaving] = useState(false);

  const go = (redirectTo: string) => {
    setLeaving(true);
    window.location.assign(redirectTo);
  };

  const approve = () => {
    if (target === 'collection' && !collectionId) {
      setMissingCollection(true);
      return;
    }
    decision.mutate(
      { approve: { access, collection_id: target === 'collection' ? collectionId : null } },
      { onSuccess: ({ redirect_to }) => go(redirect_to) },
    );
  };
  const deny = () => decision.mutate({ deny: true }, { onSuccess: ({ redirect_to }) => go(redirect_to) });

  const busy = decision.isPending || leaving;
  const sending = (kind: 'approve' | 'deny') =>
    busy && decision.variables !== undefined && kind in decision.variables;
  const expired = decision.error instanceof ApiError && decision.error.code === 'NOT_FOUND';
  const requested = interaction.requested_scopes.filter((scope) => scope !== 'openid');

  return (
    <ConsentFrame title="Connect an application">
      <Stack gap="md">
        <Text size="sm">
          An application wants to use your ainstruct account <strong>{user.username}</strong> through MCP.
        </Text>
        <ClientIdentity client={interaction.client} />
        {requested.length > 0 && (
          <Stack gap={4}>
            <Text size="xs" c="dimmed">
              It asks to
            </Text>
            <Group gap={6}>
              {requested.map((scope) => (
                <Badge key={scope} variant="outline" size="sm" tt="none">
                  {SCOPE_WORDS[scope] ?? scope}
                </Badge>
              ))}
            </Group>
          </Stack>
        )}
        {previous && (
          <Alert color="blue" variant="light" p="xs">
            <Text size="xs">
              You connected this application before. It asks again, perhaps for more access; choose what it
              may do now.
            </Text>
          </Alert>
        )}
        <Divider />
        <ScopeChoice
          target={target}
          onTarget={(next) => {
            setTarget(next);
            setMissingCollection(false);
          }}
          collectionId={collectionId}
          onCollection={(id) => {
            setCollectionId(id);
            setMissingCollection(false);
          }}
          access={access}
          onAccess={setAccess}
          collectionError={missingCollection ? 'Choose the collection it may use' : undefined}
        />
        {expired ? (
          <Alert color="red" variant="light" title="This request has expired" role="alert">
            <Text size="sm">
              It can no longer be answered (or the collection is not yours). Go back to the application and
              connect again.
            </Text>
          </Alert>
        ) : (
          <ErrorAlert error={decision.error} title="Could not send your answer" />
        )}
        <Group grow gap="sm" mt="xs">
          <Button variant="default" onClick={deny} disabled={busy} loading={sending('deny')}>
            Deny
          </Button>
          <Button onClick={approve} disabled={busy} loading={sending('approve')}>
            Approve
          </Button>
        </Group>
        <Text size="xs" c="dimmed">
          You can disconnect it at any time on the Tokens page, under Connected clients.
        </Text>
      </Stack>
    </ConsentFrame>
  );
}

/** /oauth/consent/:uid — where oidc-provider sends the browser to ask the signed-in person. */
export default function OAuthConsentPage() {
  const { uid = '' } = useParams();
  const interaction = useInteraction(uid);

  if (interaction.isPending) return <PageLoader label="Loading the request…" standalone />;
  if (interaction.isError) {
    if (interaction.error instanceof ApiError && interaction.error.status === 404)
      return <ExpiredInteraction />;
    return (
      <ConsentFrame title="Could not load the request">
        <ErrorAlert error={interaction.error} onRetry={() => void interaction.refetch()} />
      </ConsentFrame>
    );
  }
  return <ConsentForm interaction={interaction.data} />;
}

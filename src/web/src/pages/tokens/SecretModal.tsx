import { Alert, Badge, Button, Group, Modal, Stack, Tabs, Text, Textarea, TextInput } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { CopyButton } from '../../components/CopyButton';
import { mcpConfigs } from './mcp-configs';
import { absoluteTime } from './token-time';
import { type IssuedToken, KIND_NAMES } from './token-types';

interface Props {
  issued: IssuedToken | null;
  onClose: () => void;
}

/** Shows a new secret once, with MCP client configurations that already contain it. */
export function SecretModal({ issued, onClose }: Props) {
  const configs = issued ? mcpConfigs(window.location.origin, issued.token) : [];
  const first = configs[0]?.id ?? null;
  const phone = useMediaQuery('(max-width: 36em)') ?? false;
  return (
    <Modal
      opened={issued !== null}
      onClose={onClose}
      title={
        issued ? `${issued.rotated ? 'Rotated' : 'New'} ${KIND_NAMES[issued.kind]}: ${issued.label}` : ''
      }
      size="xl"
      fullScreen={phone}
      // The secret cannot be fetched again: closing takes a deliberate click, not a stray one outside.
      closeOnClickOutside={false}
      centered
    >
      {issued && (
        <Stack gap="md">
          <Alert color="yellow" variant="light" title="Copy the token now">
            This is the only time the secret is shown; it cannot be displayed again. If you lose it, rotate
            the token to get a new one.
            {issued.rotated ? ' The previous secret has stopped working.' : ''}
          </Alert>
          <Stack gap={4}>
            <Group align="flex-end" gap="xs" wrap="nowrap">
              <TextInput
                label="Token secret"
                value={issued.token}
                readOnly
                onFocus={(e) => e.currentTarget.select()}
                styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                style={{ flex: 1, minWidth: 0 }}
              />
              <CopyButton value={issued.token} label="Copy token" size="sm" />
            </Group>
            <Text size="xs" c="dimmed">
              {issued.expires_at ? `Expires ${absoluteTime(issued.expires_at)}.` : 'Never expires.'} Send it
              as <code>Authorization: Bearer …</code>.
            </Text>
          </Stack>
          <Stack gap="xs">
            <Text fw={600} size="sm">
              MCP client configuration
            </Text>
            <Text size="xs" c="dimmed">
              Clients that support OAuth (claude.ai, Claude Desktop, ChatGPT, Cursor and others) need no
              token: paste <code>{`${window.location.origin}/mcp`}</code> and approve in the browser. The
              configurations below send this token as a header instead.
            </Text>
            <Tabs defaultValue={first} keepMounted={false}>
              <Tabs.List>
                {configs.map((config) => (
                  <Tabs.Tab key={config.id} value={config.id}>
                    {config.client}
                  </Tabs.Tab>
                ))}
              </Tabs.List>
              {configs.map((config) => (
                <Tabs.Panel key={config.id} value={config.id} pt="sm">
                  <Stack gap="xs">
                    {config.oauth && (
                      <Badge variant="light" color="teal" size="sm" w="fit-content">
                        OAuth: connects with the URL alone
                      </Badge>
                    )}
                    <Text size="sm">{config.where}</Text>
                    <Textarea
                      aria-label={`${config.client} configuration`}
                      value={config.text}
                      readOnly
                      autosize
                      minRows={1}
                      maxRows={14}
                      onFocus={(e) => e.currentTarget.select()}
                      styles={{
                        input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 },
                      }}
                    />
                    <Group>
                      <CopyButton
                        value={config.text}
                        label={
                          config.oauth ? `Copy URL for ${config.client}` : `Copy ${config.client} config`
                        }
                      />
                    </Group>
                  </Stack>
                </Tabs.Panel>
              ))}
            </Tabs>
          </Stack>
          <Group justify="flex-end">
            <Button onClick={onClose}>I have copied it — close</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

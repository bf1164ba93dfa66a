import { Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { FormEvent, ReactNode } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert';
import type { TokenKind } from './token-types';

interface Props {
  kind: TokenKind;
  title: string;
  intro: string;
  onSubmit: () => void;
  error: unknown;
  pending: boolean;
  canSubmit: boolean;
  /** Shown instead of the fields when no token of this kind can be created yet. */
  unavailable?: ReactNode;
  /** The kind's fields. */
  children: ReactNode;
}

/** The frame of a token creation form: heading, explanation, the fields, the API's error and the button. */
export function TokenCreateForm({
  kind,
  title,
  intro,
  onSubmit,
  error,
  pending,
  canSubmit,
  unavailable,
  children,
}: Props) {
  const titleId = `${kind}-create-title`;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={titleId}>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Title order={2} size="h4" id={titleId}>
            {title}
          </Title>
          <Text size="sm" c="dimmed">
            {intro}
          </Text>
          {unavailable ?? (
            <>
              {children}
              <ErrorAlert error={error} />
              <Group>
                <Button type="submit" loading={pending} disabled={!canSubmit}>
                  Create token
                </Button>
              </Group>
            </>
          )}
        </Stack>
      </form>
    </Paper>
  );
}

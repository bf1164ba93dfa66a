import { Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** What an empty list means and what to do next. */
export function EmptyState({
  title,
  description,
  icon = '∅',
  action,
}: {
  title: string;
  description?: ReactNode;
  icon?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <Paper withBorder radius="md" p="xl">
      <Stack align="center" gap="xs" ta="center">
        <ThemeIcon size={48} radius="xl" variant="light" aria-hidden>
          <Text fz={22} lh={1}>
            {icon}
          </Text>
        </ThemeIcon>
        <Title order={3} size="h4">
          {title}
        </Title>
        {description && (
          <Text c="dimmed" size="sm" maw={480}>
            {description}
          </Text>
        )}
        {action}
      </Stack>
    </Paper>
  );
}

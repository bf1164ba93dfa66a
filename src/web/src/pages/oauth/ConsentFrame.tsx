import { Center, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { Logo } from '../../components/Logo';

/** The consent page stands alone, like login: no navigation a person could wander off through mid-flow. */
export function ConsentFrame({ title, children }: { title: string; children: ReactNode }) {
  useDocumentTitle(`${title} · ainstruct`);
  return (
    <Center mih="100vh" p={{ base: 'xs', sm: 'md' }} bg="var(--mantine-color-body)">
      <Stack w="100%" maw={560} gap="lg">
        <Group justify="center" gap="xs">
          <Logo size={32} />
          <Text fw={700} fz={24}>
            ainstruct
          </Text>
        </Group>
        <Paper withBorder shadow="sm" p={{ base: 'md', sm: 'xl' }} radius="md" component="main">
          <Title order={1} size="h3" mb="md">
            {title}
          </Title>
          {children}
        </Paper>
      </Stack>
    </Center>
  );
}

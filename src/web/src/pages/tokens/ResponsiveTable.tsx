import { Card, Group, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { CSSProperties, ReactNode } from 'react';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
}

interface Props<T> {
  rows: T[];
  rowKey: (row: T) => string;
  /** Shown as the card's heading on phones and as the first column on wider screens. */
  title: Column<T>;
  columns: Column<T>[];
  actions: (row: T) => ReactNode;
  label: string;
  minWidth: number;
  rowStyle?: (row: T) => CSSProperties | undefined;
}

/**
 * A table on wide screens; on phones one card per row, because a table scrolled sideways hides the actions
 * at the far right.
 */
export function ResponsiveTable<T>({
  rows,
  rowKey,
  title,
  columns,
  actions,
  label,
  minWidth,
  rowStyle,
}: Props<T>) {
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  if (phone) {
    return (
      <Stack gap="xs" role="list" aria-label={label}>
        {rows.map((row) => (
          <Card key={rowKey(row)} withBorder padding="sm" role="listitem" style={rowStyle?.(row)}>
            <Stack gap="xs">
              {title.cell(row)}
              <SimpleGrid cols={2} spacing="xs" verticalSpacing={6}>
                {columns.map((column) => (
                  <Stack key={column.header} gap={0}>
                    <Text size="xs" c="dimmed" fw={600}>
                      {column.header}
                    </Text>
                    {column.cell(row)}
                  </Stack>
                ))}
              </SimpleGrid>
              <Group gap="xs">{actions(row)}</Group>
            </Stack>
          </Card>
        ))}
      </Stack>
    );
  }
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table striped highlightOnHover verticalSpacing="xs" aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{title.header}</Table.Th>
            {columns.map((column) => (
              <Table.Th key={column.header}>{column.header}</Table.Th>
            ))}
            <Table.Th>Actions</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={rowKey(row)} style={rowStyle?.(row)}>
              <Table.Td>{title.cell(row)}</Table.Td>
              {columns.map((column) => (
                <Table.Td key={column.header}>{column.cell(row)}</Table.Td>
              ))}
              <Table.Td>{actions(row)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

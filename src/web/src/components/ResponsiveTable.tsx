import { Card, Group, SimpleGrid, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { CSSProperties, ReactNode } from 'react';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  /** Replaces the plain header cell on wide screens (e.g. a sort button); must render a `Table.Th`. */
  th?: ReactNode;
  align?: 'left' | 'right';
  maxWidth?: number;
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
  /** Wide screens only: the whole row is a shortcut for its main link (which stays the keyboard path). */
  onRowClick?: (row: T) => void;
  /**
   * The actions are one small menu button ("⋯"): its column header is for screen readers only, and on phones
   * it sits beside the card's title instead of in a row of its own.
   */
  compactActions?: boolean;
}

function HeaderCell<T>({ column }: { column: Column<T> }) {
  if (column.th) return column.th;
  return <Table.Th ta={column.align}>{column.header}</Table.Th>;
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
  onRowClick,
  compactActions = false,
}: Props<T>) {
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  if (phone) {
    return (
      <Stack gap="xs" role="list" aria-label={label}>
        {rows.map((row) => (
          <Card key={rowKey(row)} withBorder padding="sm" role="listitem" style={rowStyle?.(row)}>
            <Stack gap="xs">
              {compactActions ? (
                <Group justify="space-between" align="flex-start" wrap="nowrap" gap="xs">
                  <div style={{ minWidth: 0, flex: 1 }}>{title.cell(row)}</div>
                  <div style={{ flexShrink: 0 }}>{actions(row)}</div>
                </Group>
              ) : (
                title.cell(row)
              )}
              <SimpleGrid cols={2} spacing="xs" verticalSpacing={6}>
                {columns.map((column) => (
                  <Stack key={column.header} gap={0} style={{ minWidth: 0 }}>
                    <Text size="xs" c="dimmed" fw={600}>
                      {column.header}
                    </Text>
                    {column.cell(row)}
                  </Stack>
                ))}
              </SimpleGrid>
              {!compactActions && <Group gap="xs">{actions(row)}</Group>}
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
            <HeaderCell column={title} />
            {columns.map((column) => (
              <HeaderCell key={column.header} column={column} />
            ))}
            {compactActions ? (
              <Table.Th w={60}>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            ) : (
              <Table.Th>Actions</Table.Th>
            )}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr
              key={rowKey(row)}
              style={{ ...(onRowClick ? { cursor: 'pointer' } : {}), ...rowStyle?.(row) }}
              onClick={onRowClick ? () => onRowClick(row) : undefined}
            >
              <Table.Td ta={title.align} maw={title.maxWidth}>
                {title.cell(row)}
              </Table.Td>
              {columns.map((column) => (
                <Table.Td key={column.header} ta={column.align} maw={column.maxWidth}>
                  {column.cell(row)}
                </Table.Td>
              ))}
              {/* Menus render in a portal, but React still bubbles their clicks through this cell. */}
              <Table.Td onClick={onRowClick ? (event) => event.stopPropagation() : undefined}>
                {actions(row)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

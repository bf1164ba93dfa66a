import { BarChart } from '@mantine/charts';
import { Group, SegmentedControl, Skeleton, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatNumber } from '../../lib/format';
import { useUserUsageHistory } from './useAdminUsers';

const monthName = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });

/** "2025-03" → "Mar 2025" (the API counts months in UTC). */
function monthLabel(yearMonth: string): string {
  const [year, month] = yearMonth.split('-').map(Number);
  if (!year || !month) return yearMonth;
  return monthName.format(new Date(Date.UTC(year, month - 1, 1)));
}

export function UsageHistory({ userId, username }: { userId: string; username: string }) {
  const [months, setMonths] = useState('6');
  const history = useUserUsageHistory(userId, Number(months));
  // The API answers newest first; a chart reads left to right in time.
  const rows = [...(history.data?.history ?? [])]
    .reverse()
    .map((h) => ({ ...h, month: monthLabel(h.year_month) }));

  return (
    <Stack gap="sm" component="section" aria-labelledby="usage-history-title">
      <Group justify="space-between" gap="xs">
        <Title order={3} size="h5" id="usage-history-title">
          Usage history
        </Title>
        <SegmentedControl
          size="xs"
          aria-label="Months of history"
          value={months}
          onChange={setMonths}
          data={[
            { value: '6', label: '6 months' },
            { value: '12', label: '12 months' },
          ]}
        />
      </Group>
      {history.isPending && <Skeleton h={220} />}
      {history.isError && <ErrorAlert error={history.error} onRetry={() => void history.refetch()} />}
      {history.isSuccess && (
        <>
          {/* The chart is a picture of the table below, which carries the numbers for screen readers. */}
          <div aria-hidden="true">
            <BarChart
              h={220}
              data={rows}
              dataKey="month"
              series={[
                { name: 'api_requests', label: 'API', color: 'blue.6' },
                { name: 'mcp_requests', label: 'MCP', color: 'teal.6' },
              ]}
              withLegend
              tickLine="y"
              xAxisProps={{ interval: 'preserveStartEnd' }}
            />
          </div>
          <Table.ScrollContainer minWidth={320}>
            <Table striped verticalSpacing={4} fz="sm">
              <VisuallyHidden component="caption">Requests per month for {username}</VisuallyHidden>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Month</Table.Th>
                  <Table.Th ta="right">API</Table.Th>
                  <Table.Th ta="right">MCP</Table.Th>
                  <Table.Th ta="right">Total</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {[...rows].reverse().map((row) => (
                  <Table.Tr key={row.year_month}>
                    <Table.Td>{row.month}</Table.Td>
                    <Table.Td ta="right">{formatNumber(row.api_requests)}</Table.Td>
                    <Table.Td ta="right">{formatNumber(row.mcp_requests)}</Table.Td>
                    <Table.Td ta="right">{formatNumber(row.total)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {rows.every((row) => row.total === 0) && (
            <Text size="sm" c="dimmed">
              No requests in this period.
            </Text>
          )}
        </>
      )}
    </Stack>
  );
}

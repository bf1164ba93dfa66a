import { Box, Text, UnstyledButton } from '@mantine/core';
import { useState } from 'react';
import { CodeView } from './CodeView';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const OPEN_DEPTH = 2;
const mono = { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 };

function Scalar({ value }: { value: Json }) {
  if (value === null)
    return (
      <Text span c="dimmed" style={mono}>
        null
      </Text>
    );
  if (typeof value === 'string')
    return (
      <Text span c="teal" style={{ ...mono, overflowWrap: 'anywhere' }}>
        {JSON.stringify(value)}
      </Text>
    );
  if (typeof value === 'number')
    return (
      <Text span c="blue" style={mono}>
        {String(value)}
      </Text>
    );
  return (
    <Text span c="grape" style={mono}>
      {String(value)}
    </Text>
  );
}

function Node({ name, value, depth }: { name: string | null; value: Json; depth: number }) {
  const isBranch = value !== null && typeof value === 'object';
  const [open, setOpen] = useState(depth < OPEN_DEPTH);
  const label =
    name === null ? null : (
      <Text span fw={600} style={mono}>
        {name}:{' '}
      </Text>
    );
  if (!isBranch) {
    return (
      <Box pl={depth === 0 ? 0 : 'md'} py={1}>
        {label}
        <Scalar value={value} />
      </Box>
    );
  }
  const entries: Array<[string, Json]> = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value);
  const summary = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
  return (
    <Box pl={depth === 0 ? 0 : 'md'} py={1}>
      <UnstyledButton
        onClick={() => setOpen((was) => !was)}
        aria-expanded={open}
        aria-label={`${open ? 'Collapse' : 'Expand'} ${name ?? 'root'}`}
        style={mono}
      >
        <Text span c="dimmed" style={mono} mr={4}>
          {open ? '▾' : '▸'}
        </Text>
        {label}
        <Text span c="dimmed" style={mono}>
          {summary}
        </Text>
      </UnstyledButton>
      {open && (
        <Box style={{ borderLeft: '1px dashed var(--mantine-color-default-border)', marginLeft: 5 }}>
          {entries.map(([key, child]) => (
            <Node key={key} name={key} value={child} depth={depth + 1} />
          ))}
        </Box>
      )}
    </Box>
  );
}

/** JSON as a collapsible tree; text that is not valid JSON is shown as highlighted code instead. */
export function JsonTree({ source }: { source: string }) {
  let parsed: Json;
  try {
    parsed = JSON.parse(source) as Json;
  } catch {
    return (
      <>
        <Text size="sm" c="dimmed" mb="xs">
          This is not valid JSON, so it is shown as text.
        </Text>
        <CodeView value={source} documentType="json" />
      </>
    );
  }
  return (
    <Box data-testid="json-tree" role="tree" aria-label="JSON content" style={{ overflowX: 'auto' }}>
      <Node name={null} value={parsed} depth={0} />
    </Box>
  );
}

import { Anchor, Badge, Box, Card, Group, Stack, Text, Tooltip } from '@mantine/core';
import { Link } from 'react-router';
import { HighlightedText } from './HighlightedText';
import type { SearchHit } from './search-types';

// Every mode reports the same calibrated relevance (0–1, the estimated chance this document answers the query),
// so the badge reads the same whatever the mode; each leg's own rank and raw score are in the smaller badges.
const RELEVANCE_MEANING =
  'Relevance: the estimated chance (0–1) that this document answers the query, on the same scale for every ' +
  'query and mode. The keyword and semantic badges show each search’s own rank and raw score.';

interface Props {
  hit: SearchHit;
  position: number;
  terms: Set<string>;
}

function legBadge(name: string, rank: number | null, score: number | null, color: string) {
  if (rank === null || score === null) {
    return (
      <Badge variant="outline" color="gray" tt="none">
        {name}: not matched
      </Badge>
    );
  }
  return (
    <Tooltip label={`${name} rank ${rank}, score ${score.toFixed(4)}`}>
      <Badge variant="light" color={color} tt="none">
        {name} #{rank} · {score.toFixed(3)}
      </Badge>
    </Tooltip>
  );
}

export function SearchResultCard({ hit, position, terms }: Props) {
  // The first heading is the document title itself; the rest locate the chunk inside it.
  const where = hit.heading_path.slice(1);
  const titleId = `search-hit-${position}`;
  return (
    <Card withBorder padding="md" component="article" aria-labelledby={titleId}>
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
          <Box style={{ minWidth: 0 }}>
            <Anchor
              component={Link}
              to={`/documents/${encodeURIComponent(hit.document_id)}`}
              fw={600}
              id={titleId}
              style={{ overflowWrap: 'anywhere' }}
            >
              {position}. {hit.title}
            </Anchor>
            <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
              {hit.collection} · {hit.document_type}
              {where.length > 0 ? ` · ${where.join(' › ')}` : ''}
            </Text>
          </Box>
          <Tooltip label={RELEVANCE_MEANING} multiline w={280} withArrow>
            <Badge
              size="lg"
              variant="filled"
              tt="none"
              style={{ flexShrink: 0 }}
              tabIndex={0}
              aria-label={`relevance ${hit.score.toFixed(2)}. ${RELEVANCE_MEANING}`}
            >
              relevance {hit.score.toFixed(2)}
            </Badge>
          </Tooltip>
        </Group>
        <Group gap="xs">
          {legBadge('Keyword', hit.ranks.keyword, hit.scores.keyword, 'teal')}
          {legBadge('Semantic', hit.ranks.semantic, hit.scores.semantic, 'violet')}
          {hit.truncated && (
            <Badge variant="outline" color="orange" tt="none">
              truncated
            </Badge>
          )}
        </Group>
        {/* The chunk is plain text: matches are wrapped in <mark>, nothing in it is parsed as HTML. */}
        <Text
          component="div"
          size="sm"
          ff="monospace"
          style={{
            whiteSpace: 'pre-wrap',
            overflowWrap: 'anywhere',
            padding: 'var(--mantine-spacing-xs)',
            background: 'var(--mantine-color-default-hover)',
            borderRadius: 'var(--mantine-radius-sm)',
          }}
        >
          <HighlightedText text={hit.truncated ? `${hit.content}…` : hit.content} terms={terms} />
        </Text>
      </Stack>
    </Card>
  );
}

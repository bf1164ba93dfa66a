import { Anchor, Badge, Box, Card, Group, Stack, Text, Tooltip } from '@mantine/core';
import { Link } from 'react-router';
import { HighlightedText } from './HighlightedText';
import type { SearchHit, SearchMode } from './search-types';

// A hybrid score only orders this list: its semantic part is min–max normalised over the candidates, so the
// weakest candidate scores 0 however relevant it is. The label and tooltip keep anyone from reading it as absolute.
const SCORE: Record<SearchMode, { prefix: string; digits: number; meaning: string }> = {
  hybrid: {
    prefix: 'fused',
    digits: 2,
    meaning:
      'Hybrid scores are relative to this result list: they rank these results against each other ' +
      '(0 = weakest candidate, 1 = best possible), they do not measure relevance on their own. ' +
      'The keyword and semantic badges show each search’s own rank and score.',
  },
  keyword: {
    prefix: 'BM25',
    digits: 3,
    meaning: 'Keyword score (BM25): higher means a stronger keyword match',
  },
  semantic: {
    prefix: 'similarity',
    digits: 3,
    meaning: 'Semantic similarity (cosine) between the query and this chunk',
  },
};

interface Props {
  hit: SearchHit;
  position: number;
  terms: Set<string>;
  mode: SearchMode;
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

export function SearchResultCard({ hit, position, terms, mode }: Props) {
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
          <Tooltip label={SCORE[mode].meaning} multiline w={280} withArrow>
            <Badge
              size="lg"
              variant="filled"
              tt="none"
              style={{ flexShrink: 0 }}
              tabIndex={0}
              aria-label={`${SCORE[mode].prefix} score ${hit.score.toFixed(SCORE[mode].digits)}. ${SCORE[mode].meaning}`}
            >
              {SCORE[mode].prefix} {hit.score.toFixed(SCORE[mode].digits)}
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

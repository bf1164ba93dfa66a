import {
  Button,
  Group,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { type FormEvent, useEffect, useState } from 'react';
import { useCollections } from '../../api/collections';
import { DOCUMENT_TYPE_OPTIONS } from '../../lib/document-types';
import { MAX_RESULTS_LIMIT, type SearchOptions } from './search-params';
import { SEARCH_MODES, type SearchMode } from './search-types';

const MODE_LABELS: Record<SearchMode, string> = {
  hybrid: 'Hybrid',
  semantic: 'Semantic',
  keyword: 'Keyword',
};

const MODE_HINTS: Record<SearchMode, string> = {
  hybrid: 'Keyword and semantic ranks fused: the best default.',
  semantic: 'By meaning: finds paraphrases that share no words with the query.',
  keyword: 'By words (BM25): exact names, identifiers and error messages.',
};

interface Props {
  initial: SearchOptions;
  searching: boolean;
  onSearch: (options: SearchOptions) => void;
}

export function SearchForm({ initial, searching, onSearch }: Props) {
  const [draft, setDraft] = useState<SearchOptions>(initial);
  const collections = useCollections();
  const collectionOptions = (collections.data ?? []).map((c) => ({ value: c.collection_id, label: c.name }));

  // Back/forward changes the URL: the form follows it.
  useEffect(() => setDraft(initial), [initial]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (draft.query.trim() === '') return;
    onSearch(draft);
  };

  return (
    <form onSubmit={submit} aria-label="Search documents">
      <Stack gap="sm">
        <Group align="flex-end" gap="sm" wrap="wrap">
          <TextInput
            label="Query"
            placeholder="What are you looking for?"
            value={draft.query}
            onChange={(e) => setDraft({ ...draft, query: e.currentTarget.value })}
            maxLength={4000}
            style={{ flex: '1 1 260px' }}
            data-autofocus
            autoFocus
          />
          <Button type="submit" loading={searching} disabled={draft.query.trim() === ''}>
            Search
          </Button>
        </Group>
        <Stack gap={4}>
          <Text component="span" size="sm" fw={500} id="search-mode-label">
            Mode
          </Text>
          <SegmentedControl
            aria-labelledby="search-mode-label"
            value={draft.mode}
            onChange={(value) => setDraft({ ...draft, mode: value as SearchMode })}
            data={SEARCH_MODES.map((mode) => ({ value: mode, label: MODE_LABELS[mode] }))}
            style={{ alignSelf: 'flex-start' }}
          />
          <Text size="xs" c="dimmed">
            {MODE_HINTS[draft.mode]}
          </Text>
        </Stack>
        <Group align="flex-start" gap="sm" grow preventGrowOverflow={false} wrap="wrap">
          <MultiSelect
            label="Collections"
            placeholder={draft.collectionIds.length === 0 ? 'All collections' : undefined}
            data={collectionOptions}
            value={draft.collectionIds}
            onChange={(collectionIds) => setDraft({ ...draft, collectionIds })}
            searchable
            clearable
            nothingFoundMessage="No collection matches"
            error={collections.isError ? 'Could not load collections' : undefined}
            style={{ minWidth: 200 }}
          />
          <MultiSelect
            label="Document types"
            placeholder={draft.documentTypes.length === 0 ? 'All types' : undefined}
            data={DOCUMENT_TYPE_OPTIONS}
            value={draft.documentTypes}
            onChange={(documentTypes) => setDraft({ ...draft, documentTypes })}
            searchable
            clearable
            style={{ minWidth: 200 }}
          />
          <NumberInput
            label="Max results"
            min={1}
            max={MAX_RESULTS_LIMIT}
            clampBehavior="strict"
            allowDecimal={false}
            value={draft.maxResults}
            onChange={(value) =>
              setDraft({ ...draft, maxResults: typeof value === 'number' && value >= 1 ? value : 1 })
            }
            style={{ maxWidth: 140 }}
          />
        </Group>
      </Stack>
    </form>
  );
}

import { Alert, Group, Loader, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '../api/client';
import { useUserKey } from '../api/keys';
import { EmptyState } from '../components/EmptyState';
import { ErrorAlert } from '../components/ErrorAlert';
import { PageHeader } from '../components/PageHeader';
import { queryTerms } from './search/query-terms';
import { SearchForm } from './search/SearchForm';
import { SearchResultCard } from './search/SearchResultCard';
import {
  readSearchOptions,
  type SearchOptions,
  toSearchRequest,
  writeSearchOptions,
} from './search/search-params';
import type { RerankStatus, SearchResponse } from './search/search-types';

/** A configured reranker either reordered the results or failed, and they are in the usual order. */
function rerankNote(rerank: RerankStatus | null): string {
  if (!rerank) return '';
  if (rerank.applied) return ` · reranked${rerank.model ? ` by ${rerank.model}` : ''}`;
  return rerank.error ? ' · reranker unavailable, usual order' : '';
}

export default function SearchPage() {
  const [params, setParams] = useSearchParams();
  const serialised = params.toString();
  // biome-ignore lint/correctness/useExhaustiveDependencies: the serialised params are the identity of the options
  const options = useMemo(() => readSearchOptions(params), [serialised]);
  const request = useMemo(() => toSearchRequest(options), [options]);
  const hasQuery = request.query !== '';
  const key = useUserKey();

  const search = useQuery({
    queryKey: key('search', request),
    queryFn: () => api.post<SearchResponse>('/documents/search', request),
    enabled: hasQuery,
    retry: false,
    staleTime: 30_000,
  });

  const onSearch = (next: SearchOptions) => {
    const nextParams = writeSearchOptions(next);
    // Searching again for the same thing should still hit the server (the documents may have changed).
    if (nextParams.toString() === serialised) void search.refetch();
    else setParams(nextParams);
  };

  const terms = useMemo(() => queryTerms(request.query), [request.query]);
  const results = search.data?.results ?? [];

  return (
    <Stack gap="md">
      <PageHeader
        title="Search"
        description="Find passages across your collections by words, meaning or both."
      />
      <SearchForm initial={options} searching={search.isFetching} onSearch={onSearch} />

      {!hasQuery && (
        <Text c="dimmed" size="sm">
          Type a query and press Enter. Hybrid mode combines keyword and semantic ranking; each result shows
          both.
        </Text>
      )}

      {hasQuery && search.isPending && (
        <Group gap="xs" role="status" aria-live="polite">
          <Loader size="sm" />
          <Text size="sm">Searching…</Text>
        </Group>
      )}

      {search.isError && <ErrorAlert error={search.error} />}

      {search.isSuccess && results.length === 0 && (
        <EmptyState
          title="No good match"
          description={
            'Nothing in your documents answers this well enough to show (results below the relevance floor are ' +
            'left out). Try other words, fewer collection or type filters, or upload the documents first.'
          }
        />
      )}

      {search.isSuccess && results.length > 0 && (
        <Stack gap="sm" aria-live="polite">
          <Text size="sm" c="dimmed" role="status">
            {results.length} result{results.length === 1 ? '' : 's'} for “{search.data.query}” (
            {search.data.mode}
            {search.data.total_results > results.length
              ? `; ${search.data.total_results - results.length} more did not fit the token budget`
              : ''}
            ){rerankNote(search.data.rerank)}
          </Text>
          {results.some((r) => r.truncated) && (
            <Alert color="orange" variant="light">
              The last result was shortened to fit the response size limit; open the document for the full
              text.
            </Alert>
          )}
          {results.map((hit, index) => (
            <SearchResultCard
              key={`${hit.document_id}:${hit.chunk_index}`}
              hit={hit}
              position={index + 1}
              terms={terms}
            />
          ))}
        </Stack>
      )}
    </Stack>
  );
}

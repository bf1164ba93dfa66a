import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, queryString } from './client';
import { KEY, useUserKey } from './keys';
import type { Collection, CollectionList } from './types';

const PAGE = 100;

/** Every collection of the user (collections are few; the API pages them by at most 100). */
export async function fetchAllCollections(): Promise<Collection[]> {
  const all: Collection[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await api.get<CollectionList>(`/collections${queryString({ limit: PAGE, offset })}`);
    all.push(...page.collections);
    if (page.collections.length < PAGE || all.length >= page.total) return all;
  }
}

export function useCollections() {
  const key = useUserKey();
  return useQuery({ queryKey: key(KEY.collections, 'all'), queryFn: fetchAllCollections });
}

/** Invalidates everything that shows collection names or counts. */
export function useInvalidateCollections() {
  const queryClient = useQueryClient();
  const key = useUserKey();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: key(KEY.collections) }),
      queryClient.invalidateQueries({ queryKey: key(KEY.documents) }),
    ]);
}

export function useCreateCollection() {
  const invalidate = useInvalidateCollections();
  return useMutation({
    // The form shows the failure as its name field's error.
    meta: { errorHandled: true },
    mutationFn: (name: string) => api.post<Collection>('/collections', { name }),
    onSuccess: invalidate,
  });
}

export function useRenameCollection() {
  const invalidate = useInvalidateCollections();
  return useMutation({
    meta: { errorHandled: true },
    mutationFn: ({ id, name }: { id: string; name: string }) =>
      api.patch<Collection>(`/collections/${encodeURIComponent(id)}`, { name }),
    onSuccess: invalidate,
  });
}

export function useDeleteCollection() {
  const invalidate = useInvalidateCollections();
  return useMutation({
    mutationFn: (id: string) => api.del<{ message: string }>(`/collections/${encodeURIComponent(id)}`),
    onSuccess: invalidate,
  });
}

/** Downloads every document of the collection as JSON lines (GET /collections/{id}/export). */
export function downloadCollectionExport(collection: Collection): Promise<void> {
  return api.download(
    `/collections/${encodeURIComponent(collection.collection_id)}/export`,
    `${collection.name}.jsonl`,
  );
}

import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import { KEY, useUserKey } from './keys';
import type { Cat, CollectionList, DocumentList, MonthUsage, Pat } from './types';

export function useDocumentTotal() {
  const key = useUserKey();
  return useQuery({
    queryKey: key(KEY.documents, 'total'),
    queryFn: async () => (await api.get<DocumentList>('/documents?limit=1')).total,
  });
}

export function useCollectionTotal() {
  const key = useUserKey();
  return useQuery({
    queryKey: key(KEY.collections, 'total'),
    queryFn: async () => (await api.get<CollectionList>('/collections?limit=1')).total,
  });
}

/** The raw `{tokens}` responses, under the same keys the tokens page can share. */
export function usePats() {
  const key = useUserKey();
  return useQuery({ queryKey: key(KEY.pats), queryFn: () => api.get<{ tokens: Pat[] }>('/auth/pat') });
}

export function useCats() {
  const key = useUserKey();
  return useQuery({ queryKey: key(KEY.cats), queryFn: () => api.get<{ tokens: Cat[] }>('/auth/cat') });
}

export function useMonthUsage() {
  const key = useUserKey();
  return useQuery({ queryKey: key(KEY.usage, 'month'), queryFn: () => api.get<MonthUsage>('/usage') });
}

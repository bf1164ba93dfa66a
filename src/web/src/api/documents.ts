import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, queryString } from './client';
import { KEY, useUserKey } from './keys';
import type { DocumentFull, DocumentList, DocumentSort, Job, SortOrder, StoredDocument } from './types';

export interface DocumentListParams {
  collection_id?: string | undefined;
  document_type?: string | undefined;
  sort: DocumentSort;
  order: SortOrder;
  limit: number;
  offset: number;
}

export function useDocumentList(params: DocumentListParams) {
  const key = useUserKey();
  return useQuery({
    queryKey: key(KEY.documents, params),
    queryFn: ({ signal }) => api.get<DocumentList>(`/documents${queryString({ ...params })}`, { signal }),
    placeholderData: keepPreviousData,
  });
}

export interface LoadedDocument {
  document: DocumentFull;
  /** The version the server will check an If-Match against. */
  etag: string | null;
}

export function useDocument(id: string) {
  const key = useUserKey();
  return useQuery({
    queryKey: key(KEY.document, id),
    queryFn: async ({ signal }): Promise<LoadedDocument> => {
      const { data, headers } = await api.request<DocumentFull>(
        'GET',
        `/documents/${encodeURIComponent(id)}`,
        {
          signal,
        },
      );
      return { document: data, etag: headers.get('etag') };
    },
  });
}

export interface NewDocument {
  title: string;
  content: string;
  document_type: string;
  metadata?: Record<string, unknown>;
  collection_id?: string | undefined;
}

/** The stored document, or (large content: 202) the background job that will store it. */
export const storeDocument = (body: NewDocument) => api.post<StoredDocument | Job>('/documents', body);

export const isJob = (outcome: StoredDocument | Job): outcome is Job => 'job_id' in outcome;

export const jobFinished = (job: Job | undefined) => job?.state === 'succeeded' || job?.state === 'failed';

/** A background job, polled every second until it has finished. */
export function useJob(jobId: string) {
  const key = useUserKey();
  return useQuery({
    queryKey: key(KEY.job, jobId),
    queryFn: ({ signal }) => api.get<Job>(`/jobs/${encodeURIComponent(jobId)}`, { signal }),
    refetchInterval: (query) => (jobFinished(query.state.data) ? false : 1000),
  });
}

export function useInvalidateDocuments() {
  const queryClient = useQueryClient();
  const key = useUserKey();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: key(KEY.documents) }),
      queryClient.invalidateQueries({ queryKey: key(KEY.collections) }),
    ]);
}

export function useStoreDocument() {
  const invalidate = useInvalidateDocuments();
  return useMutation({ mutationFn: storeDocument, onSuccess: invalidate, meta: { errorHandled: true } });
}

export interface DocumentChanges {
  title?: string;
  content?: string;
  document_type?: string;
  metadata?: Record<string, unknown>;
}

export function useUpdateDocument(id: string) {
  const queryClient = useQueryClient();
  const key = useUserKey();
  const invalidate = useInvalidateDocuments();
  return useMutation({
    meta: { errorHandled: true },
    mutationFn: async ({ changes, etag }: { changes: DocumentChanges; etag: string | null }) => {
      const { data, headers } = await api.request<DocumentFull>(
        'PATCH',
        `/documents/${encodeURIComponent(id)}`,
        { body: changes, headers: etag ? { 'If-Match': etag } : {} },
      );
      return { document: data, etag: headers.get('etag') } satisfies LoadedDocument;
    },
    onSuccess: async (loaded) => {
      queryClient.setQueryData(key(KEY.document, id), loaded);
      await invalidate();
    },
  });
}

export function useDeleteDocument() {
  const queryClient = useQueryClient();
  const key = useUserKey();
  const invalidate = useInvalidateDocuments();
  return useMutation({
    mutationFn: (id: string) => api.del<{ message: string }>(`/documents/${encodeURIComponent(id)}`),
    onSuccess: async (_result, id) => {
      queryClient.removeQueries({ queryKey: key(KEY.document, id) });
      await invalidate();
    },
  });
}

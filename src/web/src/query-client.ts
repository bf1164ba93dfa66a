import { MutationCache, QueryClient } from '@tanstack/react-query';
import { ApiError } from './api/errors';
import { notifyError } from './components/notify';

declare module '@tanstack/react-query' {
  interface Register {
    mutationMeta: {
      /** The page shows this mutation's error itself (e.g. in a form); skip the global notification. */
      errorHandled?: boolean;
    };
  }
}

/** Client errors will fail the same way again; only network trouble and 5xx are worth retrying. */
const retry = (failureCount: number, error: unknown) =>
  failureCount < 2 && (!(error instanceof ApiError) || error.status === 0 || error.status >= 500);

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry, staleTime: 15_000, refetchOnWindowFocus: true },
      mutations: { retry: false },
    },
    // Every failed mutation is reported, so no action ever fails silently.
    mutationCache: new MutationCache({
      onError: (error, _variables, _context, mutation) => {
        if (!mutation.meta?.errorHandled) notifyError(error);
      },
    }),
  });
}

export interface FieldError {
  location: string;
  field: string;
  message: string;
}

/** A failed API call: the API's `detail.code` / `detail.message`, or NETWORK_ERROR (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fieldErrors: FieldError[];

  constructor(status: number, code: string, message: string, fieldErrors: FieldError[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fieldErrors = fieldErrors;
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'The request was not accepted',
  401: 'You are not logged in, or your session has expired',
  403: 'You are not allowed to do this',
  404: 'Not found',
  409: 'This conflicts with something that already exists',
  412: 'This changed meanwhile',
  413: 'This is too large',
  422: 'Some values are not valid',
  429: 'Too many requests; wait a moment and try again',
  500: 'The server had an internal error',
  502: 'The server is not reachable (bad gateway)',
  503: 'The service is temporarily unavailable',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldErrorsOf(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((entry) => ({
    location: String(entry.location ?? ''),
    field: String(entry.field ?? ''),
    message: String(entry.message ?? ''),
  }));
}

/** Builds the ApiError for a non-2xx response from whatever body it carried. */
export function errorFromResponse(status: number, body: unknown, statusText = ''): ApiError {
  const detail = isRecord(body) ? body.detail : undefined;
  if (isRecord(detail) && typeof detail.message === 'string') {
    const code = typeof detail.code === 'string' ? detail.code : `HTTP_${status}`;
    return new ApiError(status, code, detail.message, fieldErrorsOf(detail.errors));
  }
  if (typeof detail === 'string') return new ApiError(status, `HTTP_${status}`, detail);
  const text = STATUS_TEXT[status] ?? (statusText || `Request failed with status ${status}`);
  return new ApiError(status, `HTTP_${status}`, text);
}

export function networkError(cause: unknown): ApiError {
  const reason = cause instanceof Error && cause.message ? ` (${cause.message})` : '';
  return new ApiError(
    0,
    'NETWORK_ERROR',
    `Cannot reach the server${reason}. Check your connection and try again.`,
  );
}

/** A readable sentence for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  return 'Something went wrong';
}

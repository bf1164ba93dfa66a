import { Alert, Button, Group, List, Text } from '@mantine/core';
import { ApiError, errorMessage } from '../api/errors';

const TITLES: Record<number, string> = {
  0: 'Cannot reach the server',
  401: 'Not logged in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  412: 'Changed meanwhile',
  413: 'Too large',
  422: 'Invalid input',
  429: 'Slow down',
};

export function errorTitle(error: unknown): string {
  if (error instanceof ApiError)
    return TITLES[error.status] ?? (error.status >= 500 ? 'Server error' : 'Error');
  return 'Error';
}

/** Shows any failure readably: the API's message, and for validation errors each field. */
export function ErrorAlert({
  error,
  title,
  onRetry,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}) {
  if (!error) return null;
  const fields = error instanceof ApiError ? error.fieldErrors : [];
  return (
    <Alert color="red" variant="light" title={title ?? errorTitle(error)} role="alert">
      <Text size="sm">{fields.length > 0 ? 'Please correct the following:' : errorMessage(error)}</Text>
      {fields.length > 0 && (
        <List size="sm" mt={4}>
          {fields.map((field) => (
            <List.Item key={`${field.location}.${field.field}`}>
              {field.field ? `${field.field}: ` : ''}
              {field.message}
            </List.Item>
          ))}
        </List>
      )}
      {onRetry && (
        <Group mt="sm">
          <Button size="xs" variant="light" color="red" onClick={onRetry}>
            Try again
          </Button>
        </Group>
      )}
    </Alert>
  );
}

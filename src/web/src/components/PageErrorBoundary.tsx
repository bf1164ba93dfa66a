import { Alert, Button, Code, Group, Stack, Text, Title } from '@mantine/core';
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { errorMessage } from '../api/errors';

interface State {
  error: unknown;
}

/**
 * Catches a page's render errors so the shell stays usable and the failure is explained; the router keys
 * it by path, so navigating elsewhere starts afresh.
 */
export class PageErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error('Page failed to render', error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    const chunkFailed = /dynamically imported module|Importing a module script failed/i.test(
      errorMessage(this.state.error),
    );
    // The page's own h1 went with it; this state needs one of its own.
    return (
      <>
        <Title order={1} size="h2" mb="md">
          This page could not be shown
        </Title>
        <Alert color="red" role="alert">
          <Stack gap="sm">
            <Text size="sm">
              {chunkFailed
                ? 'Part of the app could not be loaded, probably because a new version was installed. Reload the page.'
                : 'Something went wrong while showing this page.'}
            </Text>
            <Code block>{errorMessage(this.state.error)}</Code>
            <Group>
              <Button size="xs" variant="light" color="red" onClick={() => this.setState({ error: null })}>
                Try again
              </Button>
              <Button size="xs" variant="subtle" color="red" onClick={() => window.location.reload()}>
                Reload the page
              </Button>
            </Group>
          </Stack>
        </Alert>
      </>
    );
  }
}

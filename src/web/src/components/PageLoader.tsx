import { Center, Loader, Title, VisuallyHidden } from '@mantine/core';

/**
 * A spinner. `standalone` when it is all the page shows: the label then also serves as the page's h1 (for
 * screen readers only), so no state of a page is without one.
 */
export function PageLoader({
  label = 'Loading…',
  standalone = false,
}: {
  label?: string;
  standalone?: boolean;
}) {
  return (
    <>
      {standalone && (
        <VisuallyHidden>
          <Title order={1}>{label}</Title>
        </VisuallyHidden>
      )}
      <Center py="xl" role="status" aria-label={label}>
        <Loader size="md" />
      </Center>
    </>
  );
}

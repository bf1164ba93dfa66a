import { Button, type ButtonProps, Text } from '@mantine/core';
import { modals } from '@mantine/modals';
import type { ReactNode } from 'react';

export interface ConfirmOptions {
  title: string;
  message: ReactNode;
  confirmLabel?: string;
  /** Red confirm button for destructive actions (the default). */
  danger?: boolean;
  onConfirm: () => void;
}

/** Asks before doing something that cannot be undone. */
export function confirmAction({
  title,
  message,
  confirmLabel = 'Delete',
  danger = true,
  onConfirm,
}: ConfirmOptions) {
  modals.openConfirmModal({
    title,
    centered: true,
    children: typeof message === 'string' ? <Text size="sm">{message}</Text> : message,
    labels: { confirm: confirmLabel, cancel: 'Cancel' },
    confirmProps: { color: danger ? 'red' : undefined, 'data-autofocus': true },
    onConfirm,
  });
}

export function ConfirmButton({
  confirm,
  children,
  ...props
}: ButtonProps & { confirm: ConfirmOptions; children: ReactNode; 'aria-label'?: string }) {
  return (
    <Button color="red" variant="light" {...props} onClick={() => confirmAction(confirm)}>
      {children}
    </Button>
  );
}

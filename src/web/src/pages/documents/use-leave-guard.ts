import { modals } from '@mantine/modals';
import { useEffect } from 'react';
import { useBlocker } from 'react-router';

/** Asks before leaving the page (in the app or by closing the tab) while there are unsaved changes. */
export function useLeaveGuard(dirty: boolean) {
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname,
  );

  useEffect(() => {
    if (blocker.state !== 'blocked') return;
    // Closing the dialog any other way (Escape, the X) means stay.
    let settled = false;
    modals.openConfirmModal({
      title: 'Leave without saving?',
      children: 'Your changes to this document have not been saved and will be lost.',
      labels: { confirm: 'Leave and discard', cancel: 'Stay' },
      confirmProps: { color: 'red' },
      centered: true,
      onConfirm: () => {
        settled = true;
        blocker.proceed?.();
      },
      onCancel: () => {
        settled = true;
        blocker.reset?.();
      },
      onClose: () => {
        if (!settled) blocker.reset?.();
      },
    });
  }, [blocker]);

  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);
}

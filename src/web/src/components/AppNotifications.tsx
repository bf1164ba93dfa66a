import { useMediaQuery } from '@mantine/hooks';
import { Notifications } from '@mantine/notifications';

/** Toasts at the bottom, away from the header's links and account menu; centred where a phone's thumb is. */
export function AppNotifications() {
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  return <Notifications position={phone ? 'bottom-center' : 'bottom-right'} />;
}

import { notifications } from '@mantine/notifications';
import { errorMessage } from '../api/errors';
import { errorTitle } from './ErrorAlert';

export function notifyError(error: unknown, title?: string) {
  notifications.show({ color: 'red', title: title ?? errorTitle(error), message: errorMessage(error) });
}

export function notifySuccess(message: string, title?: string) {
  notifications.show({ color: 'green', title, message });
}

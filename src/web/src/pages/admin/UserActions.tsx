import { Button, Group } from '@mantine/core';
import { ConfirmButton } from '../../components/ConfirmButton';
import { notifyError, notifySuccess } from '../../components/notify';
import type { User, UserChange } from './admin-types';
import { useDeleteUser, useUpdateUser } from './useAdminUsers';

interface Props {
  user: User;
  isSelf: boolean;
  onDetails: () => void;
}

/** Details, activate/deactivate, promote/demote and delete for one row; each change asks first. */
export function UserActions({ user, isSelf, onDetails }: Props) {
  const update = useUpdateUser();
  const remove = useDeleteUser();
  const name = user.username;

  const change = (next: UserChange, done: string) =>
    update.mutate(
      { userId: user.user_id, change: next },
      {
        onSuccess: () => notifySuccess(done),
        onError: (error) => notifyError(error, `Could not change ${name}`),
      },
    );

  return (
    <Group gap={6}>
      <Button size="xs" variant="default" onClick={onDetails} aria-label={`Details for ${name}`}>
        Details
      </Button>
      <ConfirmButton
        size="xs"
        variant="light"
        color={user.is_active ? 'orange' : 'green'}
        loading={update.isPending && 'is_active' in (update.variables?.change ?? {})}
        aria-label={`${user.is_active ? 'Deactivate' : 'Activate'} ${name}`}
        confirm={
          user.is_active
            ? {
                title: `Deactivate ${name}?`,
                message: `${name} is logged out everywhere and can no longer log in or use any token until reactivated.${isSelf ? ' This is your own account: the server will refuse.' : ''}`,
                confirmLabel: 'Deactivate',
                onConfirm: () => change({ is_active: false }, `${name} was deactivated.`),
              }
            : {
                title: `Activate ${name}?`,
                message: `${name} can log in and use their tokens again.`,
                confirmLabel: 'Activate',
                danger: false,
                onConfirm: () => change({ is_active: true }, `${name} was activated.`),
              }
        }
      >
        {user.is_active ? 'Deactivate' : 'Activate'}
      </ConfirmButton>
      <ConfirmButton
        size="xs"
        variant="light"
        color={user.is_superuser ? 'orange' : 'grape'}
        loading={update.isPending && 'is_superuser' in (update.variables?.change ?? {})}
        aria-label={`${user.is_superuser ? 'Demote' : 'Promote'} ${name}`}
        confirm={
          user.is_superuser
            ? {
                title: `Demote ${name}?`,
                message: `${name} loses administrator rights and keeps a normal account.`,
                confirmLabel: 'Demote',
                onConfirm: () => change({ is_superuser: false }, `${name} is no longer a superuser.`),
              }
            : {
                title: `Promote ${name}?`,
                message: `${name} becomes a superuser: they can manage every user, including you.`,
                confirmLabel: 'Promote',
                danger: false,
                onConfirm: () => change({ is_superuser: true }, `${name} is now a superuser.`),
              }
        }
      >
        {user.is_superuser ? 'Demote' : 'Promote'}
      </ConfirmButton>
      <ConfirmButton
        size="xs"
        loading={remove.isPending}
        aria-label={`Delete ${name}`}
        confirm={{
          title: `Delete ${name}?`,
          message: `${name}'s account, collections, documents and tokens are deleted permanently. This cannot be undone.`,
          confirmLabel: 'Delete user',
          onConfirm: () =>
            remove.mutate(user.user_id, {
              onSuccess: () => notifySuccess(`${name} was deleted.`),
              onError: (error) => notifyError(error, `Could not delete ${name}`),
            }),
        }}
      >
        Delete
      </ConfirmButton>
    </Group>
  );
}

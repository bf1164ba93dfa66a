import { Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api/client';
import type { User } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { notifySuccess } from '../components/notify';
import { AuthFrame } from './auth/AuthFrame';

const PASSWORD_MIN = 8;
const USERNAME_PATTERN = /^[A-Za-z0-9_.-]+$/;

interface Fields {
  username: string;
  email: string;
  password: string;
  confirm: string;
}

function validate(fields: Fields): Partial<Record<keyof Fields, string>> {
  const errors: Partial<Record<keyof Fields, string>> = {};
  const username = fields.username.trim();
  if (!username) errors.username = 'Choose a username';
  else if (!USERNAME_PATTERN.test(username)) errors.username = 'Use only letters, digits, "_", "." and "-"';
  else if (username.length > 100) errors.username = 'At most 100 characters';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(fields.email.trim())) errors.email = 'Enter a valid email address';
  if (fields.password.length < PASSWORD_MIN) errors.password = `At least ${PASSWORD_MIN} characters`;
  if (fields.confirm !== fields.password) errors.confirm = 'The passwords do not match';
  return errors;
}

export default function RegisterPage() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = params.get('next');
  const [fields, setFields] = useState<Fields>({ username: '', email: '', password: '', confirm: '' });
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = touched ? validate(fields) : {};

  /** The value, change handler and validation message every input of the form takes. */
  const field = (name: keyof Fields) => ({
    value: fields[name],
    onChange: (event: { currentTarget: { value: string } }) => {
      // Read now: React reuses the event, so currentTarget is gone by the time an updater runs.
      const value = event.currentTarget.value;
      setFields((current) => ({ ...current, [name]: value }));
    },
    error: errors[name],
  });

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (Object.keys(validate(fields)).length > 0) return;
    setBusy(true);
    setError(null);
    try {
      const user = await api.post<User>('/auth/register', {
        username: fields.username.trim(),
        email: fields.email.trim(),
        password: fields.password,
      });
      notifySuccess(`Welcome, ${user.username}! Log in to start.`, 'Account created');
      const query = new URLSearchParams({ registered: '1', username: user.username });
      if (next) query.set('next', next);
      navigate(`/login?${query}`, { replace: true });
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <AuthFrame title="Create an account" subtitle="Store documents and let your AI agents search them.">
      <form onSubmit={onSubmit} noValidate>
        <Stack>
          <ErrorAlert error={error} title="Could not create the account" />
          <TextInput
            label="Username"
            autoComplete="username"
            {...field('username')}
            description='Letters, digits, "_", "." and "-"'
            required
            autoFocus
          />
          <TextInput label="Email" type="email" autoComplete="email" {...field('email')} required />
          <PasswordInput
            label="Password"
            autoComplete="new-password"
            {...field('password')}
            description={`At least ${PASSWORD_MIN} characters`}
            required
          />
          <PasswordInput
            label="Confirm password"
            autoComplete="new-password"
            {...field('confirm')}
            required
          />
          <Button type="submit" loading={busy} fullWidth>
            Create account
          </Button>
          <Text size="sm" ta="center">
            Already registered?{' '}
            <Anchor component={Link} to="/login">
              Log in
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthFrame>
  );
}

import { Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError } from '../api/errors';
import { useSession } from '../api/session';
import { ErrorAlert } from '../components/ErrorAlert';
import { safeNext } from '../components/RouteGuards';
import { AuthFrame } from './auth/AuthFrame';

function loginError(error: unknown): unknown {
  if (error instanceof ApiError && error.status === 401) {
    return new ApiError(401, error.code, 'Wrong username, email or password.');
  }
  if (error instanceof ApiError && error.code === 'ACCOUNT_DISABLED') {
    return new ApiError(403, error.code, 'This account is disabled. Ask an administrator to re-activate it.');
  }
  return error;
}

export default function LoginPage() {
  const { login } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [username, setUsername] = useState(params.get('username') ?? '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [touched, setTouched] = useState(false);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!username.trim() || !password) return;
    setBusy(true);
    setError(null);
    try {
      await login(username.trim(), password);
      navigate(safeNext(params.get('next')), { replace: true });
    } catch (caught) {
      setError(loginError(caught));
      setBusy(false);
    }
  };

  return (
    <AuthFrame title="Log in" subtitle="Welcome back. Log in with your username or email address.">
      <form onSubmit={onSubmit} noValidate>
        <Stack>
          {params.get('registered') && !error && (
            <Text size="sm" c="teal">
              Your account was created. Log in to continue.
            </Text>
          )}
          <ErrorAlert error={error} title="Could not log in" />
          <TextInput
            label="Username or email"
            autoComplete="username"
            value={username}
            onChange={(event) => setUsername(event.currentTarget.value)}
            error={touched && !username.trim() ? 'Enter your username or email' : null}
            required
            data-autofocus
            autoFocus
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            error={touched && !password ? 'Enter your password' : null}
            required
          />
          <Button type="submit" loading={busy} fullWidth>
            Log in
          </Button>
          <Text size="sm" ta="center">
            No account yet?{' '}
            <Anchor
              component={Link}
              to={`/register${params.get('next') ? `?next=${encodeURIComponent(params.get('next') ?? '')}` : ''}`}
            >
              Create one
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthFrame>
  );
}

import {
  AppShell,
  Avatar,
  Badge,
  Burger,
  Button,
  Group,
  NavLink as MantineNavLink,
  Menu,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Suspense, useEffect } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useSession } from '../api/session';
import { Logo } from './Logo';
import { notifyError } from './notify';
import { PageErrorBoundary } from './PageErrorBoundary';
import { PageLoader } from './PageLoader';

interface NavItem {
  to: string;
  label: string;
  superuser?: boolean;
}

const NAV: NavItem[] = [
  { to: '/dashboard', label: 'Dashboard' },
  { to: '/collections', label: 'Collections' },
  { to: '/documents', label: 'Documents' },
  { to: '/search', label: 'Search' },
  { to: '/tokens', label: 'Tokens' },
  { to: '/admin', label: 'Admin', superuser: true },
];

/** The signed-in shell: header with navigation and user menu (a drawer behind a burger on phones). */
export function AppLayout() {
  const { user, logout } = useSession();
  const [opened, { toggle, close }] = useDisclosure(false);
  const location = useLocation();
  const navigate = useNavigate();
  const items = NAV.filter((item) => !item.superuser || user?.is_superuser);

  // Close the phone menu after navigating.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on path changes only
  useEffect(() => close(), [location.pathname]);

  const isActive = (to: string) => location.pathname === to || location.pathname.startsWith(`${to}/`);

  const onLogout = async () => {
    try {
      await logout();
      navigate('/login', { replace: true });
    } catch (error) {
      notifyError(error);
    }
  };

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 260, breakpoint: 'sm', collapsed: { mobile: !opened, desktop: true } }}
      padding={{ base: 'sm', sm: 'lg' }}
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={opened ? 'Close navigation' : 'Open navigation'}
            />
            <UnstyledButton component={NavLink} to="/dashboard" aria-label="ainstruct home">
              <Group gap={8} wrap="nowrap">
                <Logo />
                <Text fw={700} size="lg">
                  ainstruct
                </Text>
              </Group>
            </UnstyledButton>
          </Group>
          <Group gap={4} visibleFrom="sm" component="nav" aria-label="Main">
            {items.map((item) => (
              <Button
                key={item.to}
                component={NavLink}
                to={item.to}
                variant={isActive(item.to) ? 'light' : 'subtle'}
                color={isActive(item.to) ? undefined : 'gray'}
                size="compact-md"
              >
                {item.label}
              </Button>
            ))}
          </Group>
          <Menu position="bottom-end" withArrow shadow="md" width={220}>
            <Menu.Target>
              <UnstyledButton aria-label={`Account menu for ${user?.username ?? ''}`}>
                <Group gap={8} wrap="nowrap">
                  <Avatar size={32} radius="xl" color="blue" name={user?.username} />
                  <Text size="sm" fw={500} visibleFrom="md">
                    {user?.username}
                  </Text>
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>
                <Text size="sm" fw={600} c="var(--mantine-color-text)" truncate>
                  {user?.username}
                </Text>
                <Text size="xs" c="dimmed" truncate>
                  {user?.email}
                </Text>
                {user?.is_superuser && (
                  <Badge size="xs" mt={4} variant="light">
                    Superuser
                  </Badge>
                )}
              </Menu.Label>
              <Menu.Divider />
              <Menu.Item component={NavLink} to="/tokens">
                Access tokens
              </Menu.Item>
              <Menu.Item color="red" onClick={() => void onLogout()}>
                Log out
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>

      {/* Rendered only while open, so the desktop header's links are the only ones a page exposes. */}
      {opened && (
        <AppShell.Navbar p="sm" component="nav" aria-label="Main (mobile)">
          {items.map((item) => (
            <MantineNavLink
              key={item.to}
              component={NavLink}
              to={item.to}
              label={item.label}
              active={isActive(item.to)}
            />
          ))}
          <MantineNavLink component="button" label="Log out" c="red" onClick={() => void onLogout()} />
        </AppShell.Navbar>
      )}

      <AppShell.Main>
        <div style={{ maxWidth: 1200, margin: '0 auto' }}>
          <PageErrorBoundary key={location.pathname}>
            <Suspense fallback={<PageLoader standalone />}>
              <Outlet />
            </Suspense>
          </PageErrorBoundary>
        </div>
      </AppShell.Main>
    </AppShell>
  );
}

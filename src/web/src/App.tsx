import { lazy, type ReactNode, Suspense } from 'react';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { AppLayout } from './components/AppLayout';
import { PageErrorBoundary } from './components/PageErrorBoundary';
import { PageLoader } from './components/PageLoader';
import { GuestOnly, RequireAuth, RequireSuperuser } from './components/RouteGuards';

const LoginPage = lazy(() => import('./pages/LoginPage'));
const RegisterPage = lazy(() => import('./pages/RegisterPage'));
const DashboardPage = lazy(() => import('./pages/DashboardPage'));
const CollectionsPage = lazy(() => import('./pages/CollectionsPage'));
const DocumentsPage = lazy(() => import('./pages/DocumentsPage'));
const DocumentNewPage = lazy(() => import('./pages/DocumentNewPage'));
const DocumentViewPage = lazy(() => import('./pages/DocumentViewPage'));
const DocumentEditPage = lazy(() => import('./pages/DocumentEditPage'));
const SearchPage = lazy(() => import('./pages/SearchPage'));
const TokensPage = lazy(() => import('./pages/TokensPage'));
const AdminPage = lazy(() => import('./pages/AdminPage'));
const OAuthConsentPage = lazy(() => import('./pages/OAuthConsentPage'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));

/** Login and register stand alone, without the navigation shell. */
function Standalone({ children }: { children: ReactNode }) {
  return (
    <PageErrorBoundary>
      <Suspense fallback={<PageLoader standalone />}>
        <GuestOnly>{children}</GuestOnly>
      </Suspense>
    </PageErrorBoundary>
  );
}

/** Pages outside the navigation shell that need a login (after it, the login page returns here). */
function StandaloneSignedIn({ children }: { children: ReactNode }) {
  return (
    <PageErrorBoundary>
      <Suspense fallback={<PageLoader standalone />}>
        <RequireAuth>{children}</RequireAuth>
      </Suspense>
    </PageErrorBoundary>
  );
}

// A data router (rather than <BrowserRouter>) so the editor can block navigation with unsaved changes.
const router = createBrowserRouter([
  {
    path: '/login',
    element: (
      <Standalone>
        <LoginPage />
      </Standalone>
    ),
  },
  {
    path: '/register',
    element: (
      <Standalone>
        <RegisterPage />
      </Standalone>
    ),
  },
  {
    path: '/oauth/consent/:uid',
    element: (
      <StandaloneSignedIn>
        <OAuthConsentPage />
      </StandaloneSignedIn>
    ),
  },
  {
    element: (
      <RequireAuth>
        <AppLayout />
      </RequireAuth>
    ),
    children: [
      { index: true, element: <Navigate to="/dashboard" replace /> },
      { path: 'dashboard', element: <DashboardPage /> },
      { path: 'collections', element: <CollectionsPage /> },
      { path: 'documents', element: <DocumentsPage /> },
      { path: 'documents/new', element: <DocumentNewPage /> },
      { path: 'documents/:id', element: <DocumentViewPage /> },
      { path: 'documents/:id/edit', element: <DocumentEditPage /> },
      { path: 'search', element: <SearchPage /> },
      { path: 'tokens', element: <TokensPage /> },
      {
        path: 'admin',
        element: (
          <RequireSuperuser>
            <AdminPage />
          </RequireSuperuser>
        ),
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

export function App() {
  return <RouterProvider router={router} />;
}

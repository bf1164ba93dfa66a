/** Where oidc-provider's endpoints live: everything under /oauth, the metadata at the RFC 8414 location. */
export const OAUTH_PREFIX = '/oauth';
export const AUTHORIZATION_SERVER_METADATA_PATH = '/.well-known/oauth-authorization-server';

export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  revocation: '/oauth/revoke',
  jwks: '/oauth/jwks',
  end_session: '/oauth/session/end',
  introspection: '/oauth/introspect',
  pushed_authorization_request: '/oauth/par',
  userinfo: '/oauth/userinfo',
  code_verification: '/oauth/device',
  device_authorization: '/oauth/device/auth',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
} as const;

/** The scopes a client may ask for; what it gets is chosen on the consent page (account or collection). */
export const OAUTH_SCOPES = ['read', 'write'] as const;

/** The web UI's consent page for an interaction. */
export const consentPath = (uid: string) => `${OAUTH_PREFIX}/consent/${uid}`;
export const CONSENT_PREFIX = `${OAUTH_PREFIX}/consent/`;

/** RFC 6749 §5.2 error bodies for answers given outside oidc-provider (rate limits, missing issuer). */
export function oauthError(error: string, description: string) {
  return { error, error_description: description };
}

export const NO_ISSUER_MESSAGE =
  'OAuth is only available on a loopback address or at PUBLIC_URL; set PUBLIC_URL to this server’s public URL';

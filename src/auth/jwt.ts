import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

export interface AccessClaims {
  sub: string;
  username: string;
  email: string;
  is_superuser: boolean;
  scopes: string[];
  /** The login session (refresh-token family); revoking the session invalidates its access tokens at once. */
  sid: string;
}

export interface JwtSettings {
  secret: string;
  algorithm: 'HS256' | 'HS384' | 'HS512';
  accessTokenMinutes: number;
}

/** Clock difference between instances tolerated in a token's lifetime and issue time. */
export const JWT_CLOCK_SKEW_SECONDS = 60;

export class JwtService {
  private readonly key: Uint8Array;

  constructor(private readonly settings: JwtSettings) {
    this.key = new TextEncoder().encode(settings.secret);
  }

  get accessTokenSeconds(): number {
    return this.settings.accessTokenMinutes * 60;
  }

  async signAccess(claims: AccessClaims): Promise<string> {
    const { sub, ...rest } = claims;
    return new SignJWT({ ...rest, type: 'access' })
      .setProtectedHeader({ alg: this.settings.algorithm, typ: 'JWT' })
      .setSubject(sub)
      .setIssuedAt()
      .setJti(randomUUID().replaceAll('-', ''))
      .setExpirationTime(`${this.settings.accessTokenMinutes}m`)
      .sign(this.key);
  }

  /**
   * Returns the claims of a valid, unexpired access token, or undefined for anything else. A token must
   * carry `exp` and may not live longer than the tokens this server issues (plus clock skew): a token minted
   * elsewhere with the shared secret (a script, a misconfigured instance) must not become a credential that
   * stays valid for months.
   */
  async verifyAccess(token: string): Promise<AccessClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [this.settings.algorithm],
        requiredClaims: ['exp'],
      });
      if (payload.type !== 'access' || typeof payload.sub !== 'string' || typeof payload.sid !== 'string') {
        return undefined;
      }
      if (!this.lifetimeAllowed(payload.exp, payload.iat)) return undefined;
      return {
        sub: payload.sub,
        sid: payload.sid,
        username: String(payload.username ?? ''),
        email: String(payload.email ?? ''),
        is_superuser: payload.is_superuser === true,
        scopes: Array.isArray(payload.scopes) ? payload.scopes.map(String) : [],
      };
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) return undefined;
      throw error;
    }
  }

  /** exp − iat, and exp − now, both within the configured lifetime; iat not in the future. */
  private lifetimeAllowed(exp: number | undefined, iat: number | undefined): boolean {
    if (typeof exp !== 'number') return false;
    const now = Date.now() / 1000;
    const longest = this.accessTokenSeconds + JWT_CLOCK_SKEW_SECONDS;
    if (exp - now > longest) return false;
    if (iat === undefined) return true;
    return iat <= now + JWT_CLOCK_SKEW_SECONDS && exp - iat <= longest;
  }
}

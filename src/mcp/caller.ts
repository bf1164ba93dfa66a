import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Principal } from '../auth/principal.js';

/**
 * Who an MCP request comes from, resolved by the HTTP layer before the SDK sees the request. It travels to
 * the per-request server factory inside the SDK's pass-through `AuthInfo`; a class (not a plain object) so
 * the factory can check with `instanceof` that it got exactly what this module put there.
 */
export class McpCaller {
  constructor(
    readonly principal: Principal,
    /** Fastify's request id, quoted in internal errors so a report can be matched with the log. */
    readonly requestId: string,
  ) {}

  toAuthInfo(token: string): AuthInfo {
    return {
      token,
      clientId: this.principal.credentialId,
      scopes: [...this.principal.scopes],
      extra: { caller: this },
    };
  }

  static from(authInfo: AuthInfo | undefined): McpCaller {
    const caller = authInfo?.extra?.caller;
    // Unreachable through registerMcp, which authenticates every request first; never serve anonymously.
    if (!(caller instanceof McpCaller)) throw new Error('MCP request reached the factory unauthenticated');
    return caller;
  }
}

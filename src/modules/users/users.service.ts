import { requireOperator, requireUserCredential } from '../../auth/access.js';
import { hashPassword, verifyPassword } from '../../auth/passwords.js';
import { operatorActingAs, type Principal } from '../../auth/principal.js';
import { newSecret, REFRESH_PREFIX, sha256Hex } from '../../auth/secrets.js';
import type { AppContext } from '../../context.js';
import { isUniqueViolation } from '../../db/errors.js';
import { badRequest, forbidden, notFound, unauthorized } from '../../errors.js';
import { collectionsRepository } from '../collections/collections.repository.js';
import { DEFAULT_COLLECTION_NAME } from '../collections/collections.service.js';
import { sessionsRepository } from './sessions.repository.js';
import { type UserRow, usersRepository } from './users.repository.js';

export interface UserView {
  user_id: string;
  email: string;
  username: string;
  is_active: boolean;
  is_superuser: boolean;
  created_at: string;
  updated_at: string;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_expires_at: string;
}

export interface Session {
  tokens: TokenPair;
  user: UserView;
}

export function presentUser(user: UserRow): UserView {
  return {
    user_id: user.id,
    email: user.email,
    username: user.username,
    is_active: user.isActive,
    is_superuser: user.isSuperuser,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}

const usernameTaken = () => badRequest('USERNAME_EXISTS', 'That username is already registered');
const emailTaken = () => badRequest('EMAIL_EXISTS', 'That email address is already registered');
const invalidRefresh = () =>
  unauthorized('INVALID_REFRESH_TOKEN', 'Invalid, expired or revoked refresh token');

/** Maps a unique-index race on users to the same errors as the pre-check. */
export function userConflictError(error: unknown): Error | undefined {
  if (isUniqueViolation(error, 'users_username_lower_key')) return usernameTaken();
  if (isUniqueViolation(error, 'users_email_lower_key')) return emailTaken();
  return undefined;
}

export async function assertUserFieldsFree(
  ctx: Pick<AppContext, 'db'>,
  fields: { username?: string; email?: string },
  exceptId?: string,
): Promise<void> {
  const taken = await usersRepository.findConflicts(ctx.db, fields, exceptId);
  if (taken.username) throw usernameTaken();
  if (taken.email) throw emailTaken();
}

/** The user named by username or email (ignoring case), else USER_NOT_FOUND naming what was asked for. */
export async function userByLogin(db: AppContext['db'], login: string): Promise<UserRow> {
  const user = await usersRepository.findByLogin(db, login);
  if (!user) throw notFound('USER_NOT_FOUND', `No user with username or email "${login}"`);
  return user;
}

export function createUsersService(ctx: Pick<AppContext, 'db' | 'jwt' | 'config'>) {
  const { db, jwt, config } = ctx;
  const refreshLifetimeMs = config.JWT_REFRESH_TOKEN_EXPIRE_DAYS * 86_400_000;

  async function issueTokens(user: UserRow, sessionId: string, tx = db): Promise<TokenPair> {
    const refreshToken = newSecret(REFRESH_PREFIX);
    const refreshExpires = new Date(Date.now() + refreshLifetimeMs);
    await sessionsRepository.addRefreshToken(tx, sessionId, sha256Hex(refreshToken), refreshExpires);
    const accessToken = await jwt.signAccess({
      sub: user.id,
      sid: sessionId,
      username: user.username,
      email: user.email,
      is_superuser: user.isSuperuser,
      scopes: user.isSuperuser ? ['read', 'write', 'admin'] : ['read', 'write'],
    });
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: 'bearer',
      expires_in: jwt.accessTokenSeconds,
      refresh_expires_at: refreshExpires.toISOString(),
    };
  }

  const service = {
    /** Creates the account and its `default` collection together, or neither. */
    async register(input: {
      username: string;
      email: string;
      password: string;
      isSuperuser?: boolean;
    }): Promise<UserView> {
      await assertUserFieldsFree(ctx, input);
      const passwordHash = await hashPassword(input.password);
      try {
        const user = await db.transaction(async (tx) => {
          const created = await usersRepository.insert(tx, { ...input, passwordHash });
          await collectionsRepository.insert(tx, created.id, DEFAULT_COLLECTION_NAME);
          return created;
        });
        return presentUser(user);
      } catch (error) {
        throw userConflictError(error) ?? error;
      }
    },

    async login(input: { username: string; password: string }): Promise<TokenPair> {
      return (await service.startSession(input)).tokens;
    },

    /** Login that also returns the user, for the web UI's cookie session. */
    async startSession(input: { username: string; password: string }): Promise<Session> {
      const user = await usersRepository.findByLogin(db, input.username);
      const ok = await verifyPassword(user?.passwordHash, input.password);
      if (!user || !ok) throw unauthorized('INVALID_CREDENTIALS', 'Invalid username or password');
      if (!user.isActive) throw forbidden('ACCOUNT_DISABLED', 'This account is disabled');
      const tokens = await db.transaction(async (tx) => {
        const session = await sessionsRepository.create(
          tx,
          user.id,
          new Date(Date.now() + refreshLifetimeMs),
        );
        return issueTokens(user, session.id, tx);
      });
      return { tokens, user: presentUser(user) };
    },

    /**
     * Exchanges a refresh token for a new pair. Each refresh token works once; presenting a used one means it
     * was copied, so the whole session (every token descended from that login) is revoked.
     */
    async refresh(input: { refreshToken: string }): Promise<TokenPair> {
      return (await service.continueSession(input)).tokens;
    },

    /** Refresh that also returns the user, for the web UI's cookie session. */
    async continueSession(input: { refreshToken: string }): Promise<Session> {
      const found = await sessionsRepository.findRefreshToken(db, sha256Hex(input.refreshToken));
      if (!found) throw invalidRefresh();
      const { token, session } = found;
      if (token.usedAt) {
        await sessionsRepository.revoke(db, session.id, 'refresh token reuse');
        throw invalidRefresh();
      }
      if (session.revokedAt || token.expiresAt.getTime() <= Date.now()) throw invalidRefresh();
      const user = await usersRepository.findById(db, session.userId);
      if (!user?.isActive) throw invalidRefresh();
      const pair = await db.transaction(async (tx) => {
        if (!(await sessionsRepository.markRefreshTokenUsed(tx, token.id))) return undefined;
        return issueTokens(user, session.id, tx);
      });
      if (!pair) {
        await sessionsRepository.revoke(db, session.id, 'refresh token reuse');
        throw invalidRefresh();
      }
      return { tokens: pair, user: presentUser(user) };
    },

    /** Ends a login session: its refresh tokens and every access token issued from it stop working. */
    async logout(input: { principal?: Principal; refreshToken?: string }): Promise<{ message: string }> {
      let sessionId: string | undefined;
      if (input.refreshToken) {
        sessionId = (await sessionsRepository.findRefreshToken(db, sha256Hex(input.refreshToken)))?.session
          .id;
      } else if (input.principal?.kind === 'jwt') {
        sessionId = input.principal.credentialId;
      }
      if (!sessionId) {
        if (input.refreshToken) throw invalidRefresh();
        throw badRequest(
          'NO_SESSION',
          'Logout ends a login session: call it with a JWT access token or a refresh_token in the body',
        );
      }
      await sessionsRepository.revoke(db, sessionId, 'logout');
      return { message: 'Logged out' };
    },

    /**
     * The principal the local operator acts as for a command (`import --user`): the named user, or the only one
     * there is when none is named.
     */
    async actAs(input: { principal: Principal; login?: string | undefined }): Promise<Principal> {
      requireOperator(input.principal);
      if (input.login) {
        return operatorActingAs(await userByLogin(db, input.login));
      }
      const page = await usersRepository.list(db, { limit: 2, offset: 0 });
      const [only] = page.rows;
      if (page.total !== 1 || !only) {
        throw badRequest(
          'USER_REQUIRED',
          'There is more than one user (or none): name one with --user <username>',
        );
      }
      return operatorActingAs(only);
    },

    async profile(input: { principal: Principal }): Promise<UserView> {
      requireUserCredential(input.principal);
      const user = await usersRepository.findById(db, input.principal.userId);
      if (!user) throw notFound('USER_NOT_FOUND', 'User not found');
      return presentUser(user);
    },
  };
  return service;
}

export type UsersService = ReturnType<typeof createUsersService>;

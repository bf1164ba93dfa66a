import { requireSuperuser, requireWriteScope } from '../../auth/access.js';
import { hashPassword } from '../../auth/passwords.js';
import type { Principal } from '../../auth/principal.js';
import { safeEqual } from '../../auth/secrets.js';
import type { AppContext } from '../../context.js';
import { isUuid } from '../../db/ids.js';
import { AppError, badRequest, notFound, unauthorized } from '../../errors.js';
import { collectionsRepository } from '../collections/collections.repository.js';
import { createUsageService, type MonthUsage } from '../usage/usage.service.js';
import { usersRepository } from '../users/users.repository.js';
import {
  assertUserFieldsFree,
  createUsersService,
  presentUser,
  type UserView,
  userByLogin,
  userConflictError,
} from '../users/users.service.js';
import { adminRepository, type UserCounts } from './admin.repository.js';

const userNotFound = () => notFound('USER_NOT_FOUND', 'User not found');

export interface UserUpdate {
  email?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  is_active?: boolean | undefined;
  is_superuser?: boolean | undefined;
}

export function createAdminService(ctx: Pick<AppContext, 'db' | 'config' | 'jwt' | 'vectors' | 'usage'>) {
  const { db, config, vectors } = ctx;
  const usage = createUsageService(ctx);
  const users = createUsersService(ctx);

  async function existingUser(userId: string) {
    const user = await usersRepository.findById(db, userId);
    if (!user) throw userNotFound();
    return user;
  }

  return {
    async listUsers(input: {
      principal: Principal;
      limit: number;
      offset: number;
      query?: string | undefined;
    }) {
      requireSuperuser(input.principal);
      const page = await usersRepository.list(db, input);
      return {
        users: page.rows.map(presentUser),
        total: page.total,
        limit: input.limit,
        offset: input.offset,
      };
    },

    async getUser(input: { principal: Principal; userId: string }): Promise<UserView & UserCounts> {
      requireSuperuser(input.principal);
      const user = await existingUser(input.userId);
      return { ...presentUser(user), ...(await adminRepository.userCounts(db, user.id)) };
    },

    async updateUser(input: {
      principal: Principal;
      userId: string;
      changes: UserUpdate;
    }): Promise<UserView> {
      requireSuperuser(input.principal);
      requireWriteScope(input.principal);
      const { changes } = input;
      const user = await existingUser(input.userId);
      if (
        user.id === input.principal.userId &&
        (changes.is_active === false || changes.is_superuser === false)
      ) {
        throw badRequest('CANNOT_MODIFY_SELF', 'You cannot deactivate or demote your own account');
      }
      await assertUserFieldsFree(ctx, { username: changes.username, email: changes.email }, user.id);
      const passwordHash = changes.password === undefined ? undefined : await hashPassword(changes.password);
      try {
        const updated = await db.transaction(async (tx) => {
          const row = await usersRepository.update(tx, user.id, {
            ...(changes.username === undefined ? {} : { username: changes.username }),
            ...(changes.email === undefined ? {} : { email: changes.email }),
            ...(passwordHash === undefined ? {} : { passwordHash }),
            ...(changes.is_active === undefined ? {} : { isActive: changes.is_active }),
            ...(changes.is_superuser === undefined ? {} : { isSuperuser: changes.is_superuser }),
          });
          // A deactivated user, or one whose password was reset, must log in again once allowed to.
          if (changes.is_active === false || passwordHash !== undefined) {
            await adminRepository.revokeSessions(tx, user.id, 'changed by admin');
          }
          return row;
        });
        if (!updated) throw userNotFound();
        return presentUser(updated);
      } catch (error) {
        throw userConflictError(error) ?? error;
      }
    },

    async deleteUser(input: { principal: Principal; userId: string }): Promise<{ message: string }> {
      requireSuperuser(input.principal);
      requireWriteScope(input.principal);
      if (input.userId === input.principal.userId) {
        throw badRequest('CANNOT_DELETE_SELF', 'You cannot delete your own account');
      }
      // Ids are UUIDs; anything else names no user (and must not reach the uuid column as a query error).
      if (!isUuid(input.userId)) throw userNotFound();
      const deleted = await db.transaction(async (tx) => {
        // Their collections go with them (cascade), and so must their vectors from an external store.
        await vectors.deleteCollections(tx, await collectionsRepository.idsOfOwner(tx, input.userId));
        return usersRepository.delete(tx, input.userId);
      });
      if (!deleted) throw userNotFound();
      return { message: 'User and everything they owned were deleted' };
    },

    /** Creates an account (with its `default` collection), a superuser one if asked; for administrators. */
    async createUser(input: {
      principal: Principal;
      username: string;
      email: string;
      password: string;
      isSuperuser: boolean;
    }): Promise<UserView> {
      requireSuperuser(input.principal);
      requireWriteScope(input.principal);
      return users.register(input);
    },

    /** Makes the user named by username or email a superuser (promoting one again is harmless). */
    async promoteUser(input: { principal: Principal; login: string }): Promise<UserView> {
      requireSuperuser(input.principal);
      requireWriteScope(input.principal);
      const user = await userByLogin(db, input.login);
      const updated = await usersRepository.update(db, user.id, { isSuperuser: true });
      if (!updated) throw userNotFound();
      return presentUser(updated);
    },

    /** Bootstrap path for the first admin: authorised by the installation's admin key, not by a user. */
    async promoteWithApiKey(input: { apiKey: string | undefined; userId: string }): Promise<UserView> {
      if (!config.ADMIN_API_KEY) {
        throw new AppError(
          503,
          'ADMIN_API_KEY_NOT_CONFIGURED',
          'ADMIN_API_KEY is not configured on this server',
        );
      }
      if (!input.apiKey || !safeEqual(input.apiKey, config.ADMIN_API_KEY)) {
        throw unauthorized('INVALID_ADMIN_API_KEY', 'Invalid admin API key');
      }
      if (!isUuid(input.userId)) throw userNotFound();
      const updated = await usersRepository.update(db, input.userId, { isSuperuser: true });
      if (!updated) throw userNotFound();
      return presentUser(updated);
    },

    async usageMonth(input: { principal: Principal; userId: string; yearMonth?: string | undefined }) {
      requireSuperuser(input.principal);
      const user = await existingUser(input.userId);
      return usage.month(user.id, input.yearMonth);
    },

    async usageHistory(input: {
      principal: Principal;
      userId: string;
      months: number;
    }): Promise<{ history: (MonthUsage & { total: number })[] }> {
      requireSuperuser(input.principal);
      const user = await existingUser(input.userId);
      return usage.historyView(user.id, input.months);
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;

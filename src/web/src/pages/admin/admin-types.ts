import type { MonthUsage, User } from '../../api/types';

export type { MonthUsage, User };

export interface UserList {
  users: User[];
  /** All matching users, not just this page. */
  total: number;
  limit: number;
  offset: number;
}

export interface UserDetail extends User {
  collection_count: number;
  document_count: number;
  pat_active_count: number;
  pat_inactive_count: number;
  cat_active_count: number;
  cat_inactive_count: number;
}

export interface UsageHistory {
  history: (MonthUsage & { total: number })[];
}

export type UserChange = { is_active: boolean } | { is_superuser: boolean };

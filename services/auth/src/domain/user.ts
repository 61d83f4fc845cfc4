export const USER_ROLES = ['user', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const USER_STATUSES = ['active', 'banned', 'deleted'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export type User = {
  id: string;
  email: string;
  passwordHash: string | null;
  displayName: string;
  role: UserRole;
  status: UserStatus;
  emailVerified: boolean;
  lastLoginAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
};

export const DISPLAY_NAME_MAX_LENGTH = 100;

/** Collapses runs of whitespace and trims; control characters are refused by the request schema. */
export const normalizeDisplayName = (raw: string): string => raw.trim().replace(/\s+/g, ' ');

export type Quota = { userId: string; limitBytes: number | null; usedBytes: number; reservedBytes: number };

/** The limit that applies: the user's own, or the deployment's default. */
export const effectiveLimit = (quota: Pick<Quota, 'limitBytes'>, defaultBytes: number): number => quota.limitBytes ?? defaultBytes;

/** Bytes a user may still reserve. */
export const availableBytes = (quota: Quota, defaultBytes: number): number =>
  Math.max(0, effectiveLimit(quota, defaultBytes) - quota.usedBytes - quota.reservedBytes);

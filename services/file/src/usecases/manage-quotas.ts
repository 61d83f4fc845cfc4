import type { Actor } from '@platform/shared/auth';
import { AppError } from '@platform/shared/errors';
import { effectiveLimit, type Quota } from '../domain/quota.ts';
import type { FileDeps } from './deps.ts';

export type QuotaView = Quota & { effectiveLimitBytes: number };

const view = (quota: Quota, defaultBytes: number): QuotaView => ({ ...quota, effectiveLimitBytes: effectiveLimit(quota, defaultBytes) });

/** A user reads their own quota; admins anyone's. */
export async function getQuota(deps: Pick<FileDeps, 'db' | 'quotas' | 'settings'>, actor: Pick<Actor, 'id' | 'role'>, userId: string): Promise<QuotaView> {
  if (actor.role !== 'admin' && actor.id !== userId) throw new AppError('AUTH_003', 'You can only read your own quota');
  return view(await deps.quotas.get(deps.db, userId), deps.settings.defaultQuotaBytes);
}

/** Admins set a user's own limit; null goes back to the deployment's default. Files already stored stay. */
export async function setQuota(
  deps: Pick<FileDeps, 'db' | 'quotas' | 'settings'>, actor: Pick<Actor, 'id' | 'role'>, userId: string, limitBytes: number | null,
): Promise<QuotaView> {
  if (actor.role !== 'admin') throw new AppError('AUTH_003', 'Only admins can set quotas');
  return view(await deps.quotas.setLimit(deps.db, userId, limitBytes, actor.id), deps.settings.defaultQuotaBytes);
}

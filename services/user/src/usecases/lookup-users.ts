import type { User } from '../domain/user.ts';
import type { UserDeps } from './deps.ts';

/** Many users at once for other services (dataloader-batched): the rows found, and the ids with none. */
export async function lookupUsers(deps: Pick<UserDeps, 'loader'>, ids: readonly string[]): Promise<{ users: User[]; missing: string[] }> {
  const unique = [...new Set(ids)];
  const rows = await deps.loader.loadMany(unique);
  const users: User[] = [];
  const missing: string[] = [];
  rows.forEach((u, i) => (u ? users.push(u) : missing.push(unique[i]!)));
  return { users, missing };
}

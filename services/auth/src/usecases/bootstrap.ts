import { userRegistered } from '@platform/shared/events';
import { AUDIT_EVENTS } from '../domain/audit-events.ts';
import { isValidEmail, normalizeEmail } from '../domain/email.ts';
import { checkPassword } from '../domain/password-policy.ts';
import type { AuthDeps } from './deps.ts';

const SYSTEM = { ip: null, userAgent: null };

/**
 * Creates the first admin when none exists. Safe on several replicas starting at once: the unique
 * email decides, and the loser's insert does nothing. The password is never logged.
 */
export async function ensureAdmin(
  deps: Pick<AuthDeps, 'db' | 'runInTx' | 'users' | 'audit' | 'outbox' | 'hasher' | 'passwordPolicy' | 'logger'>,
  admin: { email: string; password: string },
): Promise<'created' | 'exists' | 'email_taken'> {
  if (await deps.users.hasAdmin(deps.db)) return 'exists';
  const email = normalizeEmail(admin.email);
  if (!isValidEmail(email)) throw new Error('ADMIN_EMAIL is not a valid email address');
  const issues = checkPassword(deps.passwordPolicy, admin.password, email, 'ADMIN_PASSWORD');
  if (issues.length > 0) throw new Error(`ADMIN_PASSWORD is too weak: ${issues.map((i) => i.message).join('; ')}`);

  const passwordHash = await deps.hasher.hash(admin.password);
  const created = await deps.runInTx(async (tx) => {
    const user = await deps.users.insertIfAbsent(tx, { email, passwordHash, displayName: 'Administrator', role: 'admin', emailVerified: true });
    if (!user) return null;
    await deps.audit.record(tx, { event: AUDIT_EVENTS.adminBootstrapped, userId: user.id, meta: SYSTEM });
    await deps.outbox.add(tx, userRegistered.create(
      { user_id: user.id, email: user.email, display_name: user.displayName, role: user.role, email_verified: true },
      { source: 'auth', subject: user.id },
    ));
    return user;
  });
  if (created) {
    deps.logger.info('admin account created', { email, user_id: created.id });
    return 'created';
  }
  if (await deps.users.hasAdmin(deps.db)) return 'exists'; // another replica won the race
  // Promoting an existing account silently would let whoever registered that email first become admin.
  deps.logger.warn('ADMIN_EMAIL belongs to an existing non-admin account; no admin was created', { email });
  return 'email_taken';
}

/** Makes the service accounts in config exist with these secrets; an unchanged secret is not re-hashed. */
export async function upsertServiceAccounts(
  deps: Pick<AuthDeps, 'db' | 'runInTx' | 'serviceAccounts' | 'audit' | 'hasher' | 'logger'>,
  accounts: { clientId: string; secret: string }[],
): Promise<void> {
  for (const { clientId, secret } of accounts) {
    const existing = await deps.serviceAccounts.findByClientId(deps.db, clientId);
    if (existing && (await deps.hasher.verify(existing.secretHash, secret))) continue;
    const secretHash = await deps.hasher.hash(secret);
    await deps.runInTx(async (tx) => {
      await deps.serviceAccounts.upsert(tx, { clientId, secretHash, name: clientId });
      await deps.audit.record(tx, { event: AUDIT_EVENTS.serviceAccountUpserted, actorId: 'system', meta: SYSTEM, details: { client_id: clientId } });
    });
    deps.logger.info('service account saved', { client_id: clientId });
  }
}

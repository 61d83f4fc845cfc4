import { AppError } from '@platform/shared/errors';

/** The service's error catalogue; messages are safe to show a client. */
export const authErrors = {
  emailTaken: () =>
    new AppError('BIZ_002', 'Email is already registered', { details: [{ field: 'email', issue: 'taken', message: 'Is already registered' }] }),
  // One message for unknown email and wrong password, so the answer does not reveal which accounts exist.
  invalidCredentials: () => new AppError('AUTH_001', 'Invalid email or password'),
  accountBanned: () => new AppError('AUTH_003', 'This account has been banned'),
  accountDeleted: () => new AppError('AUTH_001', 'This account has been deleted'),
  noPassword: () => new AppError('AUTH_001', 'This account has no password yet; use the link sent by email to set one'),
  locked: (retryAfterSeconds: number) =>
    new AppError('RATE_429', 'Too many failed login attempts; try again later', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
      details: { retry_after_s: retryAfterSeconds },
    }),
  invalidRefreshToken: () => new AppError('AUTH_001', 'Invalid refresh token'),
  expiredRefreshToken: () => new AppError('AUTH_002', 'Refresh token has expired'),
  revokedRefreshToken: () => new AppError('AUTH_001', 'Refresh token has been revoked'),
  refreshReuse: () => new AppError('AUTH_001', 'Refresh token was already used; the session has been revoked'),
  sessionNotFound: (id: string) => new AppError('BIZ_001', `Session ${id} not found`),
  usersOnly: () => new AppError('AUTH_003', 'Only user accounts can do this'),
  unsupportedGrant: (grant: string) =>
    new AppError('VAL_002', `Unsupported grant_type "${grant}"`, {
      details: [{ field: 'grant_type', issue: 'unsupported_grant_type', message: 'Only client_credentials is supported' }],
    }),
  invalidClient: (basic: boolean) =>
    new AppError('AUTH_001', 'Client authentication failed', {
      details: [{ field: 'client_id', issue: 'invalid_client', message: 'Unknown client or wrong secret' }],
      ...(basic && { headers: { 'WWW-Authenticate': 'Basic realm="platform-auth"' } }),
    }),
  busy: () => new AppError('SYS_003', 'The service is busy; try again shortly', { headers: { 'Retry-After': '1' } }),
};

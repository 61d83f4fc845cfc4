/** Every event the audit log records; the admin audit route filters on these names. */
export const AUDIT_EVENTS = {
  register: 'register',
  loginSuccess: 'login_success',
  loginFailed: 'login_failed',
  loginLocked: 'login_locked',
  refresh: 'refresh',
  refreshReuseDetected: 'refresh_reuse_detected',
  logout: 'logout',
  logoutAll: 'logout_all',
  sessionRevoked: 'session_revoked',
  serviceTokenIssued: 'service_token_issued',
  serviceTokenDenied: 'service_token_denied',
  adminBootstrapped: 'admin_bootstrapped',
  serviceAccountUpserted: 'service_account_upserted',
  emailVerificationRequested: 'email_verification_requested',
  emailVerified: 'email_verified',
  passwordResetRequested: 'password_reset_requested',
  passwordReset: 'password_reset',
  passwordChanged: 'password_changed',
  passwordChangeFailed: 'password_change_failed',
  passwordSet: 'password_set',
  invitationRequested: 'invitation_requested',
  roleChanged: 'role_changed',
  statusChanged: 'status_changed',
  emailChanged: 'email_changed',
} as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[keyof typeof AUDIT_EVENTS];

/** Who did it and from where; attached to every audit row. */
export type RequestMeta = { ip: string | null; userAgent: string | null };

export type AuditEntry = {
  event: AuditEvent;
  userId?: string | null;
  actorId?: string | null;
  meta: RequestMeta;
  details?: Record<string, unknown>;
};

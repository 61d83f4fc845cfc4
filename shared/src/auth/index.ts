export { authenticate, type AuthenticateOptions } from './authenticate.ts';
export { requireRole, requireUser } from './require-role.ts';
export { createGuards, type Guards, type TokenCheck } from './guards.ts';
export { actorOf, ROLES, type Actor, type Role } from './actor.ts';
export { revocationKeys } from './revocation-keys.ts';
export { checkRevocation } from './check-revocation.ts';
export { createTokenVerifier, type VerifyOptions, type Algorithm } from './verify-access-token.ts';
export { jwksKeyResolver, type KeyResolver, type JwksOptions } from './signing-keys.ts';

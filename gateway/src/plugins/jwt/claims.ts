// Kong's registered-claims checks (jwt_parser verify_registered_claims / check_maximum_expiration).
// Errors are Kong's response body for these failures: { claim: text }, e.g. { exp: 'token expired' }.

export type ClaimName = 'exp' | 'nbf';
export type ClaimErrors = Partial<Record<ClaimName, string>>;

const CHECKS: Record<ClaimName, (value: number, now: number) => string | undefined> = {
  nbf: (nbf, now) => (nbf > now ? 'token not valid yet' : undefined),
  exp: (exp, now) => (exp <= now ? 'token expired' : undefined),
};

/** `now` in whole seconds, as ngx.time(). */
export function verifyRegisteredClaims(claims: Record<string, unknown>, toVerify: readonly ClaimName[], now: number): ClaimErrors | undefined {
  let errors: ClaimErrors | undefined;
  for (const name of toVerify) {
    const value = claims[name];
    const error = typeof value === 'number' ? CHECKS[name](value, now) : 'must be a number';
    if (error) (errors ??= {})[name] = error;
  }
  return errors;
}

export function checkMaximumExpiration(claims: Record<string, unknown>, maximum: number, now: number): ClaimErrors | undefined {
  const exp = claims.exp;
  if (typeof exp !== 'number' || exp - now > maximum) return { exp: 'exceeds maximum allowed expiration' };
  return undefined;
}

// The guide's table (platform.md §5), in one place.
export const STATUS_BY_CODE = {
  SYS_001: 500, SYS_002: 504, SYS_003: 503,
  VAL_001: 400, VAL_002: 422, VAL_003: 422,
  AUTH_001: 401, AUTH_002: 401, AUTH_003: 403,
  BIZ_001: 404, BIZ_002: 409, BIZ_003: 422,
  EXT_001: 504, EXT_002: 503, EXT_003: 502,
  // Not in the table's families but part of the contract: 413 and 429 keep their own codes.
  REQ_413: 413, RATE_429: 429,
} as const;

export type ErrorCode = keyof typeof STATUS_BY_CODE;

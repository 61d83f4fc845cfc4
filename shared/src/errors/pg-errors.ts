import pg from 'pg';
import { AppError } from './app-error.ts';

/** Driver errors become AppErrors in the repository layer; anything else passes through unchanged. */
export function fromPgError(err: unknown, entity: string): unknown {
  if (!(err instanceof pg.DatabaseError)) return err;
  switch (err.code) {
    case '23505': return new AppError('BIZ_002', `${entity} already exists`, { cause: err });
    case '23503': return new AppError('BIZ_001', `Referenced ${entity} does not exist`, { cause: err });
    case '22P02': return new AppError('VAL_002', 'Malformed identifier', { cause: err });
    case '57014': return new AppError('SYS_002', 'The database took too long', { cause: err });
    default: return err; // stays a SYS_001; the middleware logs it with its SQLSTATE
  }
}

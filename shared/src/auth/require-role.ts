import type { RequestHandler } from 'express';
import { AppError } from '../errors/app-error.ts';
import type { Role } from './actor.ts';

/** After authenticate(): lets only the given roles through (AUTH_003 403), AUTH_001 when nobody is authenticated. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.actor) return next(new AppError('AUTH_001', 'Authentication required'));
    if (!roles.includes(req.actor.role)) return next(new AppError('AUTH_003', `This action requires the ${roles.join(' or ')} role`));
    next();
  };
}

/** For routes only end users may call (profile, sessions …): service accounts get AUTH_003. */
export function requireUser(): RequestHandler {
  return (req, _res, next) => {
    if (!req.actor) return next(new AppError('AUTH_001', 'Authentication required'));
    if (req.actor.type !== 'user') return next(new AppError('AUTH_003', 'Only end users can call this route'));
    next();
  };
}

// The guards live in @platform/shared/auth; this re-export remains only for internal-batch-router.ts
// (being edited in parallel) and can go once that file imports Guards from @platform/shared/auth.
export type { Guards } from '@platform/shared/auth';

// The guards live in @platform/shared/auth; this re-export remains only for channels-wiring.ts
// (being edited in parallel) and can go once that file imports Guards from @platform/shared/auth.
export type { Guards } from '@platform/shared/auth';

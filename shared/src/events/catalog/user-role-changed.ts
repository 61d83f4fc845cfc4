import { z } from 'zod';
import { defineEvent } from '../define-event.ts';
import { role } from './fields.ts';

export const userRoleChanged = defineEvent({
  type: 'user.role_changed',
  version: 1,
  data: z.object({
    user_id: z.uuid(),
    old_role: role,
    new_role: role,
    changed_by: z.uuid(),
  }),
});

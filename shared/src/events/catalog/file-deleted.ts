import { z } from 'zod';
import { defineEvent } from '../define-event.ts';

export const fileDeleted = defineEvent({
  type: 'file.deleted',
  version: 1,
  data: z.object({
    file_id: z.uuid(),
    owner_id: z.uuid(),
    deleted_by: z.uuid(),
  }),
});

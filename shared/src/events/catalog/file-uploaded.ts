import { z } from 'zod';
import { defineEvent } from '../define-event.ts';

/** file: an upload finished and its content is stored. `large` marks files over the service's threshold. */
export const fileUploaded = defineEvent({
  type: 'file.uploaded',
  version: 1,
  data: z.object({
    file_id: z.uuid(),
    owner_id: z.uuid(),
    name: z.string().min(1).max(1024),
    size: z.number().int().nonnegative(),
    content_type: z.string().min(1).max(255),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256'),
    large: z.boolean(),
  }),
});

/** What a notification is about; users choose per category and channel what reaches them. */
export const CATEGORIES = ['security', 'account', 'files', 'sync', 'product'] as const;
export type Category = (typeof CATEGORIES)[number];

/** How a notification reaches someone. */
export const CHANNELS = ['email', 'in_app', 'webhook'] as const;
export type Channel = (typeof CHANNELS)[number];

export const isCategory = (v: string): v is Category => (CATEGORIES as readonly string[]).includes(v);
export const isChannel = (v: string): v is Channel => (CHANNELS as readonly string[]).includes(v);

/** Who a mail goes to. */
export type Recipient = {
  /** A user id, or undefined for addresses without an account (admin alert lists). */
  userId?: string;
  email: string;
  displayName: string;
  locale: string;
  /** IANA zone for times in mails; UTC when unknown. */
  timeZone?: string | null;
};

/** What the user directory knows about a user. */
export type DirectoryEntry = {
  id: string;
  email: string;
  displayName: string;
  locale: string | null;
  timeZone: string | null;
  status: 'active' | 'banned' | 'deleted' | string;
};

/** The key of a delivery row: the user id, or the address for recipients without an account. */
export const recipientKey = (r: Recipient): string => r.userId ?? `email:${r.email.toLowerCase()}`;

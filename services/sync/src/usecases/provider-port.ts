import type { ProviderName } from '../domain/connection.ts';

/** One page of a source: its raw records and where the next page starts (null: the source is exhausted). */
export type SourcePage = { records: unknown[]; next: string | null };

export type ProviderContext = {
  /** Connection settings (validated by the adapter's schema). */
  settings: Record<string, unknown>;
  /** Decrypted secrets: only ever used to call the source. */
  secrets: Record<string, string>;
  pageSize: number;
  timeoutMs: number;
  signal?: AbortSignal;
};

/** What a provider can do for a job: read pages and turn a raw record into our user fields. */
export type ProviderSession = {
  /**
   * position: where the page starts (null: the first page). since: the watermark of the last run for
   * an incremental run (null on a full run); providers without one ignore it.
   */
  fetchPage(position: string | null, since: string | null): Promise<SourcePage>;
  /** Our user fields from a raw record (validation happens after, in the domain). */
  mapRecord(record: unknown): Record<string, unknown>;
  /** The record's watermark value (e.g. its updated_at) for the next incremental run, when the provider has one. */
  watermark?(record: unknown): string | null;
};

export type SettingsIssue = { field: string; issue: string; message: string };

/** One kind of source behind one interface. */
export type ProviderAdapter = {
  readonly name: ProviderName;
  /** Names of the secrets this provider accepts (e.g. token); anything else is refused. */
  readonly secretFields: readonly string[];
  /** Validates and normalises settings; issues name the bad fields. */
  parseSettings(settings: unknown): { settings: Record<string, unknown> } | { issues: SettingsIssue[] };
  open(ctx: ProviderContext): ProviderSession;
};

/** A provider failure: `retryable` when the source may recover (5xx, timeouts, refused connections). */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly retryable: boolean;
  constructor(message: string, { retryable, cause }: { retryable: boolean; cause?: unknown }) {
    super(message, { cause });
    this.retryable = retryable;
  }
}

export const PROVIDERS = ['rest-json', 'csv', 'canvas'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** A source of people. settings are non-secret; secrets are stored encrypted and only their names are known here. */
export type Connection = {
  id: string;
  name: string;
  provider: ProviderName;
  settings: Record<string, unknown>;
  /** Names of the secrets that are set (their values are never read outside a running job). */
  secretKeys: string[];
  schedule: string | null;
  enabled: boolean;
  cursor: string | null;
  lastFullRunAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  createdBy: string | null;
  updatedBy: string | null;
  version: number;
};

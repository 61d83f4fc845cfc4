/** A declarative file the gateway refuses to start with; each problem names the entity and field. */
export class KongConfigError extends Error {
  override readonly name = 'KongConfigError';
  readonly problems: string[];

  constructor(source: string, problems: string[]) {
    super(`Invalid declarative config ${source}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

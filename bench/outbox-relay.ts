export async function measureOutboxRelay(): Promise<{ per_s: number }> {
  throw new Error('not written yet');
}

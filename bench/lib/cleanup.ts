// What must be undone if the run is interrupted (Ctrl-C, the launcher's SIGTERM): databases,
// exchanges and the auth child. Each owner registers its undo and unregisters it once done.
const pending = new Set<() => Promise<unknown>>();

/** Registers an undo step; call the returned function after doing the cleanup normally. */
export function onInterrupt(undo: () => Promise<unknown>): () => void {
  pending.add(undo);
  return () => pending.delete(undo);
}

export async function runInterruptCleanups(): Promise<void> {
  await Promise.allSettled([...pending].map((undo) => undo()));
  pending.clear();
}

// Counting test results for the last line of `npm test`: "N passed, M failed[, K skipped]".
export type Tally = { passed: number; failed: number; skipped: number };

/** The part of vitest's json reporter output (jest-compatible) that the tally needs. */
export type VitestJsonReport = {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: { status: string; assertionResults: { status: string }[] }[];
};

export const emptyTally = (): Tally => ({ passed: 0, failed: 0, skipped: 0 });

/**
 * A file that fails to load (syntax error, failing beforeAll) has no failed test of its own; it
 * still counts as one failure, so a red run never prints "0 failed".
 */
export function tallyReport(report: VitestJsonReport): Tally {
  const brokenFiles = report.testResults.filter(
    (file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'),
  ).length;
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + brokenFiles,
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

export const addTallies = (a: Tally, b: Tally): Tally => ({
  passed: a.passed + b.passed,
  failed: a.failed + b.failed,
  skipped: a.skipped + b.skipped,
});

export function summaryLine({ passed, failed, skipped }: Tally): string {
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

// `npm test`: typecheck, lint, then the unit, int and e2e vitest projects, stopping at the first
// failure; the very last line is the tally, e.g. "212 passed, 0 failed, 3 skipped".
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { infraEnv, resolveInfra } from './resolve-infra.ts';
import { runStep } from './run-step.ts';
import { addTallies, emptyTally, summaryLine, tallyReport, type Tally, type VitestJsonReport } from './test-summary.ts';

const STEP_TIMEOUT_MS = 45 * 60_000;
export const VITEST_PROJECTS = ['unit', 'int', 'e2e'] as const;

export function vitestArgs(project: string, outputFile: string, extra: string[]): string[] {
  return [
    'exec', 'vitest', 'run', '--project', project, '--passWithNoTests',
    '--reporter=default', '--reporter=json', `--outputFile=${outputFile}`, ...extra,
  ];
}

function readReport(path: string): VitestJsonReport | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as VitestJsonReport;
  } catch {
    return undefined;
  }
}

async function runProject(root: string, env: NodeJS.ProcessEnv, project: string, extra: string[]): Promise<Tally> {
  const outputFile = join(tmpdir(), `platform-vitest-${project}-${process.pid}.json`);
  rmSync(outputFile, { force: true });
  const code = await runStep(`test:${project}`, 'pnpm', vitestArgs(project, outputFile, extra), { cwd: root, env, timeoutMs: STEP_TIMEOUT_MS });
  const report = readReport(outputFile);
  rmSync(outputFile, { force: true });
  const tally = report ? tallyReport(report) : emptyTally();
  // Unhandled errors or a crash before the report: the run is red even if no test says so.
  if (code !== 0 && tally.failed === 0) tally.failed = 1;
  return tally;
}

async function runChecksAndTests(root: string, env: NodeJS.ProcessEnv, extra: string[], tally: Tally): Promise<number> {
  for (const script of ['typecheck', 'lint']) {
    if ((await runStep(`test:${script}`, 'pnpm', [script], { cwd: root, env, timeoutMs: STEP_TIMEOUT_MS })) !== 0) {
      console.error(`[test] ${script} failed; the tests were not run`);
      tally.failed += 1;
      return 1;
    }
  }
  for (const project of VITEST_PROJECTS) {
    const result = await runProject(root, env, project, extra);
    Object.assign(tally, addTallies(tally, result));
    if (result.failed > 0) {
      console.error(`[test] the ${project} tests failed; later projects were not run`);
      return 1;
    }
  }
  return 0;
}

export async function testCommand(root: string, extra: string[]): Promise<number> {
  const tally = emptyTally();
  let code: number;
  try {
    const infra = await resolveInfra();
    const env = { ...process.env, ...infraEnv(infra) };
    try {
      code = await runChecksAndTests(root, env, extra, tally);
    } finally {
      await infra.stop();
    }
  } catch (err) {
    console.error(`[test] ${(err as Error).message}`);
    tally.failed = Math.max(tally.failed, 1);
    code = 1;
  }
  // Alone on the very last line, for people and CI logs alike.
  console.log(`\n${summaryLine(tally)}`);
  return code;
}

// First step of `npm start`, `npm test` and `npm run bench` on any machine with Node 20+ and npm.
// Plain JavaScript on purpose: it must run on the old Node before anything is installed.
// It gets Node 24 and pnpm into the git-ignored .tools/ folder when needed, installs the
// workspace, then hands over to infra/launcher/main.ts running under Node 24.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const toolsDir = join(root, '.tools');
const toolsBin = join(toolsDir, 'node_modules', '.bin');

const MINUTE = 60_000;
const INSTALL_TOOLS_TIMEOUT_MS = 15 * MINUTE;
const INSTALL_DEPS_TIMEOUT_MS = 20 * MINUTE;
const HEARTBEAT_MS = 30_000;

const log = (message) => console.log(`[setup] ${message}`);

function fail(message) {
  console.error(`[setup] ${message}`);
  process.exit(1);
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

const majorOf = (version) => Number.parseInt(String(version).replace(/^v/, ''), 10);

// The wanted versions live in the files the rest of the toolchain reads too (.nvmrc, packageManager).
function wantedVersions() {
  const nodeMajor = majorOf(readFileSync(join(root, '.nvmrc'), 'utf8').trim());
  const packageManager = readJson(join(root, 'package.json'))?.packageManager ?? '';
  const match = /^pnpm@(\d+\.\d+\.\d+)/.exec(packageManager);
  if (!Number.isInteger(nodeMajor) || !match) fail('cannot read the Node major from .nvmrc or the pnpm version from package.json "packageManager"');
  return { nodeMajor, pnpmVersion: match[1] };
}

/**
 * Runs a command with its output captured; prints a line every 30 s so a slow download never
 * looks like a hang, and prints the captured output when the command fails or times out.
 */
function run(label, command, args, { timeoutMs, env = process.env, cwd = root }) {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const heartbeat = setInterval(() => log(`still ${label} (${Math.round((Date.now() - started) / 1000)} s) ...`), HEARTBEAT_MS);
    const timer = setTimeout(() => {
      log(`${label} took longer than ${Math.round(timeoutMs / MINUTE)} min; stopping it`);
      child.kill('SIGTERM');
    }, timeoutMs);
    const finish = (ok, reason) => {
      clearInterval(heartbeat);
      clearTimeout(timer);
      if (!ok) console.error(`${output.trimEnd()}\n[setup] ${label} failed: ${reason}`);
      resolvePromise(ok);
    };
    child.on('error', (err) => finish(false, err.message));
    child.on('close', (code, signal) => finish(code === 0, signal ? `killed by ${signal}` : `exit code ${code}`));
  });
}

function toolsHave({ nodeMajor, pnpmVersion }, needNode) {
  const modules = join(toolsDir, 'node_modules');
  const pnpmOk =
    readJson(join(modules, 'pnpm', 'package.json'))?.version === pnpmVersion && existsSync(join(toolsBin, 'pnpm'));
  if (!needNode) return pnpmOk;
  const nodeOk =
    majorOf(readJson(join(modules, 'node', 'package.json'))?.version) === nodeMajor && existsSync(join(toolsBin, 'node'));
  return pnpmOk && nodeOk;
}

async function ensureTools(wanted) {
  const activeMajor = majorOf(process.versions.node);
  const needNode = activeMajor < wanted.nodeMajor;
  if (toolsHave(wanted, needNode)) {
    log(needNode ? `using Node ${wanted.nodeMajor} and pnpm ${wanted.pnpmVersion} from .tools` : `using pnpm ${wanted.pnpmVersion} from .tools`);
  } else {
    // Both packages in one npm call: npm prunes what a later --no-save install does not name.
    const packages = [...(needNode ? [`node@${wanted.nodeMajor}`] : []), `pnpm@${wanted.pnpmVersion}`];
    log(`installing ${packages.join(' and ')} into .tools${needNode ? ` (the active Node ${process.versions.node} is too old)` : ''} ...`);
    // npm sets npm_execpath when it runs us; calling it through our own Node avoids PATH surprises.
    const npmCli = process.env.npm_execpath;
    const [npmCommand, npmPrefixArgs] = npmCli && npmCli.endsWith('.js') ? [process.execPath, [npmCli]] : ['npm', []];
    const ok = await run('installing tools', npmCommand, [
      ...npmPrefixArgs, 'install', '--prefix', toolsDir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', ...packages,
    ], { timeoutMs: INSTALL_TOOLS_TIMEOUT_MS });
    if (!ok || !toolsHave(wanted, needNode)) fail(`could not install ${packages.join(' and ')} with npm; check the network or the npm registry settings (npm config get registry)`);
  }
  const nodeBinary = needNode ? join(toolsBin, 'node') : process.execPath;
  return { nodeBinary };
}

async function installDependencies(env) {
  const frozen = existsSync(join(root, 'pnpm-lock.yaml'));
  log(`installing dependencies (pnpm install${frozen ? ' --frozen-lockfile' : ''}) ...`);
  const args = ['install', '--reporter=append-only', '--config.confirmModulesPurge=false', ...(frozen ? ['--frozen-lockfile'] : [])];
  const ok = await run('installing dependencies', join(toolsBin, 'pnpm'), args, { timeoutMs: INSTALL_DEPS_TIMEOUT_MS, env });
  if (!ok) fail('pnpm install failed (output above)');
}

function handOver(nodeBinary, env, args) {
  const child = spawn(nodeBinary, [join(root, 'infra/launcher/main.ts'), ...args], { cwd: root, env, stdio: 'inherit' });
  // A terminal's Ctrl-C reaches the child too; main.ts treats a repeated signal as the same request.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => fail(`could not start ${nodeBinary}: ${err.message}`));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
}

const args = process.argv.slice(2);
if (args.length === 0) fail('usage: node infra/launcher/bootstrap.mjs <start|test|bench> [args...]');
const wanted = wantedVersions();
const { nodeBinary } = await ensureTools(wanted);
// Node 24's directory first, so `node` in pnpm scripts and child processes is Node 24 too.
const env = {
  ...process.env,
  PATH: [dirname(nodeBinary), toolsBin, process.env.PATH ?? ''].join(delimiter),
};
await installDependencies(env);
handOver(nodeBinary, env, args);

// The launcher behind `npm start`, `npm test` and `npm run bench`, run by bootstrap.mjs under
// Node 24 (it can also be run directly: `node infra/launcher/main.ts test`).
import { existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCommand } from './bench-command.ts';
import { startCommand } from './start-command.ts';
import { testCommand } from './test-command.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// Children (pnpm scripts, services) must find this Node 24 and the repo's pnpm first on PATH.
const toolsBin = join(root, '.tools/node_modules/.bin');
process.env.PATH = [dirname(process.execPath), ...(existsSync(toolsBin) ? [toolsBin] : []), process.env.PATH ?? ''].join(delimiter);

const [command, ...args] = process.argv.slice(2);
const commands: Record<string, () => Promise<number>> = {
  start: () => startCommand(root),
  test: () => testCommand(root, args),
  bench: () => benchCommand(root, args),
};

const run = command ? commands[command] : undefined;
if (!run) {
  console.error(`usage: node infra/launcher/main.ts <${Object.keys(commands).join('|')}> [args...]`);
  process.exit(2);
}
try {
  process.exit(await run());
} catch (err) {
  console.error(`[launcher] ${(err as Error).message}`);
  process.exit(1);
}

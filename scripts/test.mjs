// `npm test`: type check, lint, then every unit test (src/**/*.test.ts) and end-to-end suite (test/**/*.test.ts)
// in Node's built-in runner. Node 20 does not expand globs, so the file list is built here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function testFiles(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...testFiles(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found.sort();
}

function run(cmd, args) {
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const only = process.argv.slice(2);
if (only.length === 0) {
  run('npx', ['tsc', '--noEmit']);
  run('npx', ['eslint', '.']);
}
const files = only.length > 0 ? only : [...testFiles('src'), ...testFiles('test')];
run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files]);

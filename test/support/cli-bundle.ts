// The CLI bundled by scripts/build.mjs, as `npm run build` bundles it: what kmaint() and the fault drains run
// (it starts in a fraction of the time the sources take under tsx), and what test/cli-bundle.test.ts checks.

import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
let shared: Promise<string> | undefined;

/**
 * The bundle's path: built on first use, once per test process, and removed when the process exits. Built
 * asynchronously, so that a sandbox in this process keeps serving meanwhile.
 */
export function sharedBundle(): Promise<string> {
  // under node_modules so that the bundle's external packages resolve from the project
  const outfile = join(root, 'node_modules', '.cache', 'kmaint-test', `kmaint-${process.pid}.mjs`);
  shared ??= new Promise((resolve, reject) => {
    execFile(process.execPath, [join(root, 'scripts', 'build.mjs'), outfile], { encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error) return reject(new Error(`scripts/build.mjs failed: ${stderr || error.message}`));
      process.once('exit', () => {
        rmSync(outfile, { force: true });
        rmSync(`${outfile}.map`, { force: true });
      });
      resolve(outfile);
    });
  });
  return shared;
}

// The CLI bundled by scripts/build.mjs, as `npm run build` bundles it, for tests that start it many times (it
// starts several times faster than under tsx) or that test the bundle itself.

import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Builds the bundle and returns its path; asynchronously, so that a sandbox in this process keeps serving. */
export function bundleCli(name: string): Promise<string> {
  // under node_modules so that the bundle's external packages resolve from the project
  const outfile = join(root, 'node_modules', '.cache', 'kmaint-test', `${name}-${process.pid}.mjs`);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(root, 'scripts', 'build.mjs'), outfile], { encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`scripts/build.mjs failed: ${stderr || error.message}`));
      else resolve(outfile);
    });
  });
}

export function removeBundle(path: string): void {
  rmSync(path, { force: true });
  rmSync(`${path}.map`, { force: true });
}

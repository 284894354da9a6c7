// Runs the kmaint CLI as a child process, as an operator would, with its exit code and output: the bundle
// `npm run build` makes, built from the sources once per test process (it starts in a fraction of the time
// the sources take under tsx).

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sharedBundle } from './cli-bundle.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `kmaint ...args`; with a sandbox, against its kubeconfig (and with HOME in its directory, so no cache or
 * kubeconfig of the machine's user is read). Colours are off so output can be compared as text.
 */
export async function kmaint(sandbox: { kubeconfig: string; dir: string } | undefined, ...args: string[]): Promise<Run> {
  const bundle = await sharedBundle();
  return new Promise((resolve, reject) => {
    const target = sandbox ? ['--kubeconfig', sandbox.kubeconfig] : [];
    const child = spawn(process.execPath, [bundle, ...args, ...target], {
      cwd: root,
      env: { ...process.env, ...(sandbox ? { HOME: sandbox.dir } : {}), KUBECONFIG: '', NO_COLOR: '1', FORCE_COLOR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

// A sandbox cluster for a test file: started on a free port with its kubeconfig in a temp dir.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/sandbox.ts';

export interface TestSandbox extends Sandbox {
  dir: string;
  kubeconfig: string;
  cleanup(): Promise<void>;
}

export async function testSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'kmaint-test-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const sandbox = await startSandbox({ ...options, kubeconfigPath: kubeconfig });
  return {
    ...sandbox,
    dir,
    kubeconfig,
    async cleanup() {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

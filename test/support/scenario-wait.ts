// Waiting on a running sandbox cluster: its pods, read straight from its store (kubectl is what the tests
// check; this is only how they know when the cluster has caught up).

import type { KubeObject } from '../../src/domain/object.ts';
import { parseEntry } from '../../src/sandbox/apiserver/store.ts';
import type { Sandbox } from '../../src/sandbox/sandbox.ts';

export function podsOf(sandbox: Sandbox, namespace?: string): KubeObject[] {
  return sandbox.service.store.list('core/pods', { namespace }).entries.map(parseEntry);
}

export function isRunningReady(pod: KubeObject): boolean {
  return pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp && (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Polls `check` (every `intervalMs` of real time, 100 by default) until it returns a truthy value; fails with
 * `describe()` after timeoutMs. Tests that time simulated windows at a high time scale poll more often.
 */
export async function eventually<T>(check: () => T | undefined | false, timeoutMs: number, describe: () => string, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** "ns/name node phase ready" per pod, for failure messages. */
export function describePods(sandbox: Sandbox): string {
  return '\n' + podsOf(sandbox).map((p) => `  ${p.metadata.namespace}/${p.metadata.name} node=${p.spec?.nodeName ?? '-'} phase=${p.status?.phase ?? '-'} ready=${isRunningReady(p)}${p.metadata.deletionTimestamp ? ' terminating' : ''}`).join('\n');
}

// The host clean-up after `kmaint node remove`, as a commented shell script the operator can read and copy:
// which host, what to run there (as root), and why each step is needed.

import type { HostCleanup } from '../domain/nodes/host-cleanup.ts';
import type { Colours } from './colour.ts';

export function renderHostCleanup(cleanup: HostCleanup, c: Colours): string {
  const lines = [
    '',
    c.bold(`Node ${cleanup.node} is out of the cluster. Now clean up its host${cleanup.address ? ` (${cleanup.address})` : ''}: run these there, as root:`),
    '',
  ];
  for (const step of cleanup.steps) {
    lines.push(c.dim(`# ${step.why}`));
    lines.push(...step.commands);
  }
  lines.push('');
  for (const note of cleanup.notes) lines.push(`- ${note}`);
  return lines.join('\n') + '\n';
}

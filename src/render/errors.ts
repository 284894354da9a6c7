// How an error reaches the operator: one line, "error: ...", the stack and the server's raw answer only with --debug.

import { KubeApiError } from '../kube/errors.ts';

/** The error's message on one line. */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ').trim() || (error instanceof Error ? error.name : 'unknown error');
}

export function formatError(error: unknown, options: { debug?: boolean } = {}): string {
  let out = `error: ${errorMessage(error)}\n`;
  if (!options.debug) return out;
  if (error instanceof KubeApiError) {
    out += `  ${error.method ?? ''} ${error.path ?? ''} -> ${error.code} ${error.reason}\n`;
    if (error.body) out += `  response: ${error.body.slice(0, 2000)}\n`;
  }
  if (error instanceof Error && error.stack) out += error.stack + '\n';
  return out;
}

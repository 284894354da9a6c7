// Colours for terminals only: off when the stream is not a TTY, when NO_COLOR is set (no-color.org) or
// TERM is "dumb"; FORCE_COLOR turns them on regardless.

import { createColors } from 'picocolors';

export type Colours = ReturnType<typeof createColors>;

export function colourEnabled(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  if (env.TERM === 'dumb') return false;
  return !!stream.isTTY;
}

export function colours(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): Colours {
  return createColors(colourEnabled(stream, env));
}

// Ctrl-C (or SIGTERM) during a long operation: the first one stops it at its next step, so it can report what
// it did and give back what it holds; a second one quits at once.

export const EXIT_INTERRUPTED = 130;

export function onInterrupt(what: string, atOnce: string): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: string): void => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    process.stderr.write(`\n${name}: ${what} (press Ctrl-C again to quit at once: ${atOnce})\n`);
    controller.abort(new Error('interrupted'));
  };
  const onInt = (): void => onSignal('interrupted');
  const onTerm = (): void => onSignal('terminated');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

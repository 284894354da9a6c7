// Go durations, as kubectl and kubeadm flags take them (--timeout 5m, --ttl 24h) and print them
// ("global timeout reached: 1m0s").

export class DurationError extends Error {}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration (time.ParseDuration: "24h", "90m", "1h30m", "1.5h", "0") in milliseconds. */
export function parseGoDuration(text: string): number {
  const input = text.trim();
  const invalid = (): DurationError => new DurationError(`invalid duration "${text}": use a Go duration such as 24h, 90m, 1h30m or 45s`);
  if (input === '0') return 0;
  const body = input.replace(/^[+]/, '');
  if (body === '' || input.startsWith('-')) throw invalid();
  let total = 0;
  let rest = body;
  while (rest !== '') {
    const match = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!match) throw invalid();
    total += Number(match[1]) * UNITS[match[2]];
    rest = rest.slice(match[0].length);
  }
  return total;
}

function trimmed(value: number): string {
  return String(Number(value.toFixed(9)));
}

/** time.Duration.String() for whole milliseconds: "0s", "500ms", "10s", "1m0s", "1h30m0s", "1.5s". */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (Math.abs(ms) < 1000) return `${trimmed(ms)}ms`;
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = `${trimmed(rest / 1000)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

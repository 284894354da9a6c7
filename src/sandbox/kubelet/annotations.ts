// The annotations that drive the simulated kubelets, and small deterministic helpers they share.
// Everything a rehearsal needs is set through the API, so kubectl, kmaint and scenarios can all trigger it.

import { createHash } from 'node:crypto';

export const SANDBOX_PREFIX = 'sandbox.kmaint.io/';
/** on a Node: "true" = a simulated kubelet runs it */
export const SIMULATED = `${SANDBOX_PREFIX}simulated`;
/** on a Node: "stopped" stops heartbeats, status and pod management; "running" (or absent) resumes */
export const KUBELET_STATE = `${SANDBOX_PREFIX}kubelet`;
/** on a Node: any new value reboots it (NotReady briefly, new bootID, containers restart) */
export const REBOOT = `${SANDBOX_PREFIX}reboot`;
/** on a Pod: "true" = containers exit with code 1 shortly after starting and restart with backoff */
export const CRASH_LOOP = `${SANDBOX_PREFIX}crash-loop`;
/** on a Pod: "true" = pulling the image fails (ErrImagePull, then ImagePullBackOff) */
export const IMAGE_PULL_ERROR = `${SANDBOX_PREFIX}image-pull-error`;
/** on a Pod: "true" = termination never finishes; only a force delete removes it */
export const STUCK_TERMINATING = `${SANDBOX_PREFIX}stuck-terminating`;
/** on a Pod: seconds the containers run before exiting (Job pods); exit code below */
export const RUN_SECONDS = `${SANDBOX_PREFIX}run-seconds`;
export const EXIT_CODE = `${SANDBOX_PREFIX}exit-code`;
/** on a Pod: log lines per second per container ("0" = none) */
export const LOG_RATE = `${SANDBOX_PREFIX}log-rate`;
/** on a Pod: seconds its containers take to stop after SIGTERM (a container ignoring SIGTERM: a large value) */
export const STOP_SECONDS = `${SANDBOX_PREFIX}stop-seconds`;
/** upstream's marker of a static pod's mirror */
export const CONFIG_MIRROR = 'kubernetes.io/config.mirror';

export function isTrue(value: unknown): boolean {
  return value === 'true';
}

/** A non-negative number from an annotation, or undefined when absent or malformed. */
export function numberAnnotation(annotations: Record<string, string> | undefined, key: string): number | undefined {
  const raw = annotations?.[key];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A stable 32-bit hash, so usage, sizes and log lines are the same on every run. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

let stampSecond = NaN;
let stampText = '';

/** metav1.Time: RFC 3339 to the second. */
export function timestamp(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== stampSecond) {
    stampText = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    stampSecond = second;
  }
  return stampText;
}

/** metav1.MicroTime, as Lease renewTime: RFC 3339 with microseconds. */
export function microTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

/** docker.io/library/nginx:latest for "nginx", as containerd reports image names. */
export function normalizeImage(image: string): string {
  let name = image;
  const lastSlash = name.lastIndexOf('/');
  const hasTag = name.slice(lastSlash + 1).includes(':') || name.includes('@');
  if (!hasTag) name += ':latest';
  const first = name.split('/')[0];
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
  return name;
}

/** The repository part of a normalized image (without tag or digest). */
export function imageRepository(normalized: string): string {
  const at = normalized.indexOf('@');
  if (at >= 0) return normalized.slice(0, at);
  const lastSlash = normalized.lastIndexOf('/');
  const colon = normalized.indexOf(':', lastSlash + 1);
  return colon >= 0 ? normalized.slice(0, colon) : normalized;
}

const digestRefs = new Map<string, string>();

/** The digest an image resolves to (deterministic), as in imageID and status.images. */
export function imageDigestRef(normalized: string): string {
  let ref = digestRefs.get(normalized);
  if (ref === undefined) {
    ref = `${imageRepository(normalized)}@sha256:${sha256Hex(normalized)}`;
    if (digestRefs.size >= 10_000) digestRefs.clear();
    digestRefs.set(normalized, ref);
  }
  return ref;
}

/** A plausible image size: 5 MB to 400 MB, fixed per image. */
export function imageSize(normalized: string): number {
  return 5_000_000 + (hash32(normalized) % 395_000_000);
}

/** CPU in millicores from a quantity ("250m", "1", "0.5"). */
export function cpuMilli(quantity: unknown): number {
  if (quantity === undefined || quantity === null) return 0;
  const text = String(quantity).trim();
  if (text.endsWith('m')) return Number(text.slice(0, -1)) || 0;
  if (text.endsWith('n')) return (Number(text.slice(0, -1)) || 0) / 1e6;
  if (text.endsWith('u')) return (Number(text.slice(0, -1)) || 0) / 1e3;
  return (Number(text) || 0) * 1000;
}

const MEMORY_SUFFIXES: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3,
};

/** Bytes from a memory quantity ("128Mi", "1G", "512"). */
export function memoryBytes(quantity: unknown): number {
  if (quantity === undefined || quantity === null) return 0;
  const match = /^([0-9.]+)(e[0-9]+|[A-Za-z]{0,2})$/.exec(String(quantity).trim());
  if (!match) return 0;
  const number = Number(match[1]);
  if (match[2].startsWith('e')) return number * 10 ** Number(match[2].slice(1));
  return number * (MEMORY_SUFFIXES[match[2]] ?? 1);
}

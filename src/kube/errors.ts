// Errors from talking to an API server: KubeApiError (a metav1.Status, or the best reading of whatever the
// server or a proxy in front of it sent instead), plus the one-line errors for a bad kubeconfig or an
// unreachable server.

import type { Status, StatusCause, StatusDetails } from '../domain/status.ts';

export type { Status, StatusCause, StatusDetails };

type Headers = Record<string, string | string[] | undefined>;

/** What client-go says when a response carries no Status (see apimachinery's NewGenericServerResponse). */
const FALLBACKS: Record<number, { reason: string; message: string }> = {
  400: { reason: 'BadRequest', message: 'the server rejected our request for an unknown reason' },
  401: { reason: 'Unauthorized', message: 'the server has asked for the client to provide credentials' },
  403: { reason: 'Forbidden', message: 'the server does not allow access to the requested resource' },
  404: { reason: 'NotFound', message: 'the server could not find the requested resource' },
  405: { reason: 'MethodNotAllowed', message: 'the server does not allow this method on the requested resource' },
  406: { reason: 'NotAcceptable', message: 'the server was unable to respond with a content type that the client supports' },
  409: { reason: 'Conflict', message: 'the server reported a conflict' },
  410: { reason: 'Expired', message: 'the server has expired the requested resource version' },
  413: { reason: 'RequestEntityTooLarge', message: 'the server rejected the request because it is too large' },
  415: { reason: 'UnsupportedMediaType', message: 'the server does not support the media type of the request body' },
  422: { reason: 'Invalid', message: 'the server rejected our request due to an error in our request' },
  429: { reason: 'TooManyRequests', message: 'the server has received too many requests and has asked us to try again later' },
  500: { reason: 'InternalError', message: 'an error on the server has prevented the request from succeeding' },
  502: { reason: 'InternalError', message: 'a proxy in front of the API server could not reach it (502 Bad Gateway)' },
  503: { reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request' },
  504: { reason: 'Timeout', message: 'the server was unable to return a response in the time allotted, but may still be processing the request' },
};

/** Reasons with a meaning of their own: a 409 with one of these is not a write conflict (apimachinery's knownReasons). */
const KNOWN_REASONS = new Set([
  'Unauthorized', 'Forbidden', 'NotFound', 'AlreadyExists', 'Conflict', 'Gone', 'Invalid', 'ServerTimeout', 'StoreReadError',
  'Timeout', 'TooManyRequests', 'BadRequest', 'MethodNotAllowed', 'NotAcceptable', 'RequestEntityTooLarge',
  'UnsupportedMediaType', 'InternalError', 'Expired', 'ServiceUnavailable',
]);

export interface RequestInfo {
  method?: string;
  path?: string;
}

export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  /** HTTP status code (or Status.code for an in-stream watch ERROR) */
  readonly code: number;
  /** Status reason: NotFound, Conflict, AlreadyExists, Invalid, Expired, TooManyRequests, ... */
  readonly reason: string;
  readonly details?: StatusDetails;
  readonly causes: StatusCause[];
  /** from the Retry-After header, else Status.details.retryAfterSeconds */
  readonly retryAfterSeconds?: number;
  /** the Status the server sent, when it sent one */
  readonly status?: Status;
  /** the raw response body, for --debug */
  readonly body: string;
  readonly method?: string;
  readonly path?: string;

  constructor(init: {
    code: number;
    reason: string;
    message: string;
    details?: StatusDetails;
    retryAfterSeconds?: number;
    status?: Status;
    body?: string;
    request?: RequestInfo;
  }) {
    super(init.message);
    this.code = init.code;
    this.reason = init.reason;
    this.details = init.details;
    this.causes = init.details?.causes ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds ?? init.details?.retryAfterSeconds;
    this.status = init.status;
    this.body = init.body ?? '';
    this.method = init.request?.method;
    this.path = init.request?.path;
  }

  /** From an HTTP error response: a Status body if there is one, else a fallback from the code and the text. */
  static fromResponse(code: number, body: string | Buffer, headers: Headers = {}, request: RequestInfo = {}): KubeApiError {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    const retryAfterSeconds = parseRetryAfter(headerValue(headers, 'retry-after'));
    const status = parseStatus(text);
    if (status) return KubeApiError.fromStatus(status, { code, retryAfterSeconds, body: text, request });
    const fallback = FALLBACKS[code] ?? { reason: code >= 500 ? 'InternalError' : 'Unknown', message: `the server responded with HTTP ${code}` };
    const snippet = describeBody(text, headerValue(headers, 'content-type'));
    return new KubeApiError({
      code,
      reason: fallback.reason,
      message: withHint(code, snippet ? `${fallback.message}: ${snippet}` : fallback.message),
      retryAfterSeconds,
      body: text,
      request,
    });
  }

  /** From a Status: an HTTP error body or the object of a watch ERROR event. */
  static fromStatus(status: Status, options: { code?: number; retryAfterSeconds?: number; body?: string; request?: RequestInfo } = {}): KubeApiError {
    const code = typeof status.code === 'number' && status.code > 0 ? status.code : (options.code ?? 500);
    const fallback = FALLBACKS[code];
    const reason = status.reason || fallback?.reason || 'Unknown';
    const message = status.message || fallback?.message || `the server responded with HTTP ${code}`;
    return new KubeApiError({
      code,
      reason,
      message: withHint(code, message),
      details: status.details,
      retryAfterSeconds: options.retryAfterSeconds,
      status,
      body: options.body ?? JSON.stringify(status),
      request: options.request,
    });
  }
}

/** A 401 says only "Unauthorized"; say what to check. */
function withHint(code: number, message: string): string {
  if (code !== 401) return message;
  return `${message.replace(/\.$/, '')}: the API server rejected the credentials; check the user (token, client certificate or exec plugin) of the kubeconfig context`;
}

function parseStatus(text: string): Status | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(trimmed) as Status;
    if (value && typeof value === 'object' && value.kind === 'Status') return value;
  } catch {
    // not JSON: fall through to the text reading
  }
  return undefined;
}

/** A short, single-line reading of a non-Status body. */
function describeBody(text: string, contentType: string | undefined): string {
  const trimmed = text.trim();
  if (!trimmed) return '';
  if ((contentType ?? '').includes('html') || /^<(!doctype|html)/i.test(trimmed)) {
    const title = /<title>([^<]*)<\/title>/i.exec(trimmed)?.[1]?.trim();
    return title ? `an HTML page titled "${title}" (from a proxy or load balancer?)` : 'an HTML page (from a proxy or load balancer?)';
  }
  const line = trimmed.replace(/\s*\n\s*/g, ' ');
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

export function headerValue(headers: Headers, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * client-node's generated APIs throw ApiException with the body as raw text; turn it into a KubeApiError.
 * Returns the error unchanged when it is not an ApiException.
 */
export function fromApiException(error: unknown): unknown {
  if (error instanceof KubeApiError) return error;
  // recognised by shape, so that this module does not load all of client-node (a second of CLI start-up)
  const candidate = error as { code?: unknown; body?: unknown; headers?: unknown; constructor?: { name?: string } } | null;
  if (!candidate || typeof candidate !== 'object' || candidate.constructor?.name !== 'ApiException' || typeof candidate.code !== 'number') return error;
  const raw = candidate.body;
  const body = typeof raw === 'string' ? raw : raw === undefined || raw === null ? '' : JSON.stringify(raw);
  return KubeApiError.fromResponse(candidate.code, body, (candidate.headers as Headers) ?? {});
}

function apiError(error: unknown): KubeApiError | undefined {
  const converted = fromApiException(error);
  return converted instanceof KubeApiError ? converted : undefined;
}

function reasonOrCode(error: unknown, reason: string, code: number): boolean {
  const e = apiError(error);
  if (!e) return false;
  if (e.reason === reason) return true;
  return !KNOWN_REASONS.has(e.reason) && e.code === code;
}

export const isNotFound = (error: unknown): boolean => reasonOrCode(error, 'NotFound', 404);
export const isAlreadyExists = (error: unknown): boolean => reasonOrCode(error, 'AlreadyExists', 409);
export const isConflict = (error: unknown): boolean => reasonOrCode(error, 'Conflict', 409);
export const isInvalid = (error: unknown): boolean => reasonOrCode(error, 'Invalid', 422);
export const isUnauthorized = (error: unknown): boolean => reasonOrCode(error, 'Unauthorized', 401);
export const isForbidden = (error: unknown): boolean => reasonOrCode(error, 'Forbidden', 403);
export const isTooManyRequests = (error: unknown): boolean => reasonOrCode(error, 'TooManyRequests', 429);
/** 410: an expired resourceVersion or continue token ("Expired"), or "Gone". */
export const isGone = (error: unknown): boolean => {
  const e = apiError(error);
  return !!e && (e.code === 410 || e.reason === 'Expired' || e.reason === 'Gone');
};

/** The kubeconfig could not be found, read, parsed, or lacks the requested context. */
export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

/** No HTTP response at all: refused, unresolvable, timed out, TLS failure. */
export class KubeConnectionError extends Error {
  override readonly name = 'KubeConnectionError';
  constructor(
    message: string,
    readonly server: string,
    readonly syscode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const CONNECTION_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset by the server',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed by the server',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed and not trusted by the kubeconfig CA',
  SELF_SIGNED_CERT_IN_CHAIN: 'certificate signed by unknown authority',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate signed by unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate signed by unknown authority',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate is not valid for this host name',
  EPROTO: 'TLS handshake failed (is the server speaking HTTPS?)',
};

export function connectionError(server: string, error: unknown): KubeConnectionError {
  const code = (error as { code?: string })?.code;
  const reason = (code && CONNECTION_REASONS[code]) || (error as Error)?.message || String(error);
  return new KubeConnectionError(`cannot reach the API server at ${server}: ${reason}; check --kubeconfig/--context`, server, code, { cause: error });
}

export function isAbortError(error: unknown): boolean {
  return !!error && typeof error === 'object' && (error as Error).name === 'AbortError';
}

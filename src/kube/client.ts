// The one HTTP client kmaint uses for an API server: TLS and credentials from the kubeconfig through
// client-node (token, client certificates, exec plugins, auth providers), JSON in and out, Status errors as
// KubeApiError, and a streaming variant for watches and logs.

import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import { connectionError, KubeApiError, KubeConnectionError, KubeconfigError } from './errors.ts';
import { loadKubeconfig, type KubeconfigOptions, type LoadedKubeconfig } from './kubeconfig.ts';
import { PATCH_CONTENT_TYPES } from './patch.ts';
import { isTransient, READ_RETRY, retryDelayMs } from './retry.ts';
import type { KubeConfig } from '@kubernetes/client-node';

export type QueryValue = string | number | boolean | undefined | null | Array<string | number | boolean>;
export type Query = Record<string, QueryValue>;

export interface RequestOptions {
  query?: Query;
  /** an object is sent as JSON; a string or Buffer as is */
  body?: unknown;
  /** defaults to application/json when there is a body; PATCH must name a patch type (see patch.ts) */
  contentType?: string;
  /** defaults to application/json */
  accept?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /**
   * request(): the whole exchange; stream(): until the response headers arrive.
   * Defaults: 120 s for request(), 30 s for stream().
   */
  timeoutMs?: number;
  /**
   * How often a GET answered 429/5xx is retried (default 3): after the wait the server asks for (Retry-After),
   * else after a short backoff (200 ms, doubling) for 429, 500, 502, 503, 504.
   */
  retries?: number;
}

/** A diagnostic logger (pino's debug signature); --debug wires one to stderr. */
export interface DebugLogger {
  debug(fields: object, message?: string): void;
}

export interface ClientOptions {
  userAgent?: string;
  logger?: DebugLogger;
  /** how long resolved credentials (exec plugin output, token files) are reused; a 401 always refreshes them */
  credentialTtlMs?: number;
}

export interface KubeStream {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** the raw response; iterate it for bytes (logs) */
  body: IncomingMessage;
  /** newline-delimited text, one line at a time without the newline (watch events, log lines) */
  lines(): AsyncGenerator<string>;
  /** ends the stream early; the iterators finish */
  close(): void;
}

export interface LoadKubeClientOptions extends KubeconfigOptions, ClientOptions {}

interface Connection {
  agent: http.Agent;
  headers: Record<string, string>;
  auth?: string;
  expires: number;
}

const DEFAULT_USER_AGENT = `kmaint (${process.platform}/${process.arch}) node/${process.version}`;

export function loadKubeClient(options: LoadKubeClientOptions = {}): KubeClient {
  return new KubeClient(loadKubeconfig(options), options);
}

export class KubeClient {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly contextName: string;
  /** the API server URL, without a trailing slash */
  readonly server: string;
  readonly loaded: LoadedKubeconfig;
  private readonly userAgent: string;
  private readonly logger?: DebugLogger;
  private readonly credentialTtlMs: number;
  private connection?: Promise<Connection>;
  private agentKey = '';
  private agent?: http.Agent;

  constructor(loaded: LoadedKubeconfig, options: ClientOptions = {}) {
    this.loaded = loaded;
    this.kubeConfig = loaded.kubeConfig;
    this.namespace = loaded.namespace;
    this.contextName = loaded.contextName;
    this.server = loaded.server;
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.logger = options.logger;
    this.credentialTtlMs = options.credentialTtlMs ?? 5 * 60_000;
  }

  /** `host:port` of the server, for cache directories and messages. */
  get hostPort(): string {
    const url = new URL(this.server);
    return url.port ? `${url.hostname}:${url.port}` : url.hostname;
  }

  url(path: string, query?: Query): URL {
    const base = new URL(this.server);
    const url = new URL(base.pathname.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`), base);
    const [, search] = path.split('?', 2);
    if (search) url.search = search;
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null) continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
    }
    return url;
  }

  /** Sends a request and returns the parsed JSON (or the text of a non-JSON answer); throws KubeApiError on an error status. */
  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.exchange(method, path, options, false);
    const text = (await readAll(response, options.signal)).toString('utf8');
    const contentType = response.headers['content-type'] ?? '';
    if (text === '') return undefined as T;
    if (!contentType.includes('json')) return text as T;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new Error(`the API server sent invalid JSON for ${method} ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Opens a streaming response (watch, logs --follow); throws KubeApiError when the status is an error. */
  async stream(method: string, path: string, options: RequestOptions = {}): Promise<KubeStream> {
    const response = await this.exchange(method, path, { timeoutMs: 30_000, ...options }, true);
    return {
      statusCode: response.statusCode ?? 0,
      headers: response.headers,
      body: response,
      lines: () => splitLines(response),
      close: () => response.destroy(),
    };
  }

  /** Drops pooled connections (lets a short-lived process exit at once). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
    this.agentKey = '';
    this.connection = undefined;
  }

  private async exchange(method: string, path: string, options: RequestOptions, streaming: boolean): Promise<IncomingMessage> {
    method = method.toUpperCase();
    const body = encodeBody(options.body);
    let contentType = options.contentType;
    if (body !== undefined && !contentType) contentType = 'application/json';
    if (method === 'PATCH' && !(PATCH_CONTENT_TYPES as readonly string[]).includes(mediaType(contentType))) {
      throw new Error(`PATCH ${path} needs a patch Content-Type (${PATCH_CONTENT_TYPES.join(', ')}); use the helpers in kube/patch.ts`);
    }
    const url = this.url(path, options.query);
    let retriesLeft = method === 'GET' && !streaming ? (options.retries ?? READ_RETRY.retries) : 0;
    let retried = 0;
    let refreshedCredentials = false;
    let resentOnStaleSocket = false;
    for (;;) {
      const connection = await this.connect();
      const started = Date.now();
      let response: IncomingMessage;
      try {
        response = await this.send(url, method, connection, { ...options, contentType }, body, streaming ? (options.timeoutMs ?? 30_000) : (options.timeoutMs ?? 120_000), streaming);
      } catch (error) {
        if ((error as { staleSocket?: boolean }).staleSocket && !resentOnStaleSocket) {
          resentOnStaleSocket = true;
          continue;
        }
        throw error;
      }
      const status = response.statusCode ?? 0;
      this.logger?.debug({ method, url: url.toString(), status, ms: Date.now() - started }, 'kube request');
      if (status >= 200 && status < 300) return response;
      const text = (await readAll(response, options.signal).catch(() => Buffer.alloc(0))).toString('utf8');
      const error = KubeApiError.fromResponse(status, text, response.headers, { method, path: url.pathname + url.search });
      if (status === 401 && !refreshedCredentials) {
        // an exec plugin's or token file's credential may have rotated: fetch it again, once
        refreshedCredentials = true;
        this.connection = undefined;
        continue;
      }
      // a read is safe to repeat: ride out throttling and a server error of a moment
      if (retriesLeft > 0 && (error.retryAfterSeconds !== undefined ? status === 429 || status >= 500 : isTransient(error))) {
        retriesLeft--;
        await sleep(retryDelayMs(error, ++retried, READ_RETRY), options.signal);
        continue;
      }
      throw error;
    }
  }

  private send(
    url: URL,
    method: string,
    connection: Connection,
    options: RequestOptions,
    body: Buffer | undefined,
    timeoutMs: number,
    streaming: boolean,
  ): Promise<IncomingMessage> {
    const signal = options.signal;
    signal?.throwIfAborted();
    const headers: Record<string, string> = {
      Accept: options.accept ?? 'application/json',
      'User-Agent': this.userAgent,
      ...connection.headers,
      ...options.headers,
    };
    if (body !== undefined) {
      headers['Content-Type'] = options.contentType as string;
      headers['Content-Length'] = String(body.length);
    }
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise<IncomingMessage>((resolve, reject) => {
      let settled = false;
      const req = transport.request(url, { method, headers, agent: connection.agent, auth: connection.auth });
      const fail = (error: unknown): void => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(error);
      };
      const timer = setTimeout(() => {
        const error = new KubeConnectionError(`the API server at ${this.server} did not answer ${method} ${url.pathname} within ${duration(timeoutMs)}; check --kubeconfig/--context`, this.server, 'ETIMEDOUT');
        fail(error);
        req.destroy(error);
      }, timeoutMs);
      const onAbort = (): void => {
        fail(signal?.reason ?? abortError());
        req.destroy();
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (settled) return;
        if (req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
          // the server closed an idle keep-alive connection as we reused it: safe to send again
          fail(Object.assign(connectionError(this.server, error), { staleSocket: true }));
          return;
        }
        fail(connectionError(this.server, error));
      });
      req.on('response', (response) => {
        if (settled) {
          response.destroy();
          return;
        }
        settled = true;
        clearTimeout(timer);
        if (streaming) {
          // the stream outlives this promise; an abort ends it
          signal?.removeEventListener('abort', onAbort);
          if (signal) {
            const end = (): void => {
              response.destroy(signal.reason ?? abortError());
            };
            signal.addEventListener('abort', end, { once: true });
            response.once('close', () => signal.removeEventListener('abort', end));
          }
        } else {
          // readAll() below owns the abort from here; the whole-request timeout keeps applying
          signal?.removeEventListener('abort', onAbort);
          const bodyTimer = setTimeout(() => response.destroy(new KubeConnectionError(`the API server at ${this.server} did not finish answering ${method} ${url.pathname} within ${duration(timeoutMs)}`, this.server, 'ETIMEDOUT')), timeoutMs);
          response.once('close', () => clearTimeout(bodyTimer));
        }
        resolve(response);
      });
      req.end(body);
    });
  }

  /** TLS settings and credentials, resolved through client-node and reused for credentialTtlMs. */
  private connect(): Promise<Connection> {
    const current = this.connection;
    if (current) {
      return current.then((c) => (c.expires > Date.now() ? c : this.refresh()));
    }
    return this.refresh();
  }

  private refresh(): Promise<Connection> {
    const pending = this.resolveConnection();
    this.connection = pending;
    pending.catch(() => {
      if (this.connection === pending) this.connection = undefined;
    });
    return pending;
  }

  private async resolveConnection(): Promise<Connection> {
    const plain = this.server.startsWith('http:');
    const opts: https.RequestOptions = { headers: {} };
    if (!plain) {
      try {
        await this.kubeConfig.applyToHTTPSOptions(opts);
      } catch (error) {
        throw this.credentialError(error);
      }
    }
    // like kubectl, send no credentials over plain http
    const headers: Record<string, string> = {};
    if (!plain) {
      for (const [key, value] of Object.entries(opts.headers ?? {})) {
        if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : String(value);
      }
    }
    return { agent: this.agentFor(opts, plain), headers, auth: plain ? undefined : (opts.auth ?? undefined), expires: Date.now() + this.credentialTtlMs };
  }

  /** A keep-alive agent per set of TLS settings; client-node's own agent only when a proxy is configured. */
  private agentFor(opts: https.RequestOptions, plain: boolean): http.Agent {
    if (this.loaded.cluster.proxyUrl && opts.agent) return opts.agent as http.Agent;
    const tls = { ca: opts.ca, cert: opts.cert, key: opts.key, pfx: opts.pfx, passphrase: opts.passphrase, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername };
    const key = plain ? 'http' : fingerprint(tls);
    if (this.agent && key === this.agentKey) return this.agent;
    this.agent?.destroy();
    this.agent = plain ? new http.Agent({ keepAlive: true }) : new https.Agent({ ...tls, keepAlive: true });
    this.agentKey = key;
    return this.agent;
  }

  private credentialError(error: unknown): Error {
    const exec = this.loaded.user.exec as { command?: string } | undefined;
    const message = (error as Error)?.message?.trim() || String(error);
    if (exec?.command) {
      const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'command not found' : message.split('\n')[0];
      return new KubeconfigError(`the exec credential plugin "${exec.command}" of user "${this.loaded.user.name}" failed: ${why}`);
    }
    return new KubeconfigError(`cannot load the credentials of user "${this.loaded.user.name}": ${message.split('\n')[0]}`);
  }
}

function fingerprint(values: Record<string, unknown>): string {
  const hash = createHash('sha256');
  for (const [key, value] of Object.entries(values)) {
    hash.update(key);
    hash.update('\0');
    if (value !== undefined) hash.update(Buffer.isBuffer(value) ? value : Array.isArray(value) ? value.map(String).join('\n') : String(value));
    hash.update('\0');
  }
  return hash.digest('hex');
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Math.round(ms / 1000)}s`;
}

function encodeBody(body: unknown): Buffer | undefined {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body), 'utf8');
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function abortError(): Error {
  const error = new Error('the operation was aborted');
  error.name = 'AbortError';
  return error;
}

async function readAll(response: IncomingMessage, signal?: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const onAbort = (): void => {
    response.destroy(signal?.reason ?? abortError());
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  try {
    for await (const chunk of response) chunks.push(chunk as Buffer);
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? abortError();
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return Buffer.concat(chunks);
}

async function* splitLines(response: IncomingMessage): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of response) {
    pending += decoder.write(chunk as Buffer);
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline).replace(/\r$/, '');
      pending = pending.slice(newline + 1);
      yield line;
      newline = pending.indexOf('\n');
    }
  }
  pending += decoder.end();
  if (pending !== '') yield pending;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? abortError());
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason ?? abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

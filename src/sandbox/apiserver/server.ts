// The sandbox API server: HTTPS with bearer-token authentication, routing of Kubernetes REST paths to the
// object service, discovery, OpenAPI, watches, logs and subresources.

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { apiVersionOf, type KubeObject } from '../../domain/object.ts';
import { applyJsonPatch, applyMergePatch } from '../../domain/patch.ts';
import { matchesLabels, parseLabelSelector, type LabelSelector } from '../../domain/selectors.ts';
import {
  aggregatedDiscovery,
  AGGREGATED_CONTENT_TYPE,
  legacyApiVersions,
  legacyGroup,
  legacyGroupList,
  legacyResourceList,
  wantsAggregated,
} from './discovery.ts';
import { applyFault, requestVerb, serveFaultsDebug, type FaultInjector } from './faults.ts';
import { decodeBody, mediaType, OBJECT_BODY_TYPES, readBody, sendError, sendJson, sendObject, TABLE_CONTENT_TYPE, wantsTable } from './http.ts';
import { LogBook, serveLogs } from './logs.ts';
import { encodeContinue, ObjectService, PATCH_CONTENT_TYPES, type DeleteOptions, type WriteOptions } from './objects.ts';
import { openApiGroupVersion, openApiIndex } from './openapi.ts';
import type { ResourceType, Verb } from './resources.ts';
import { ApiError, badRequest, methodNotAllowed, notFound, pageNotFound, unauthorized } from './status.ts';
import { applyScale, bindPod, evictPod, scaleOf } from './subresources.ts';
import { renderTable } from './tables.ts';
import { serveWatch } from './watch.ts';
import { parseEntry, type ListPage } from './store.ts';

export const KUBERNETES_VERSION = { major: '1', minor: '35', gitVersion: 'v1.35.0-kmaint', gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean', buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.25.0', compiler: 'gc', platform: 'linux/amd64', emulationMajor: '1', emulationMinor: '35', minCompatibilityMajor: '1', minCompatibilityMinor: '34' };

/** Node and pod usage figures for metrics.k8s.io, supplied by the simulated kubelets. */
export interface MetricsSource {
  nodes(): KubeObject[];
  pods(namespace: string): KubeObject[];
}

export interface ApiServerOptions {
  service: ObjectService;
  token: string;
  tls: { cert: string; key: string };
  now: () => Date;
  logs?: LogBook;
  metrics?: MetricsSource;
  /** --faults: errors, latency and dropped watches injected into resource requests */
  faults?: FaultInjector;
}

interface Route {
  type: ResourceType;
  namespace: string;
  name?: string;
  subresource?: string;
}

const UNAUTHENTICATED_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);
const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

export class ApiServer {
  readonly logs: LogBook;
  private readonly service: ObjectService;
  private readonly token: Buffer;
  private server?: Server;
  private address = '';
  private openApiCache = { generation: -1, docs: new Map<string, string | undefined>() };

  constructor(private readonly options: ApiServerOptions) {
    this.service = options.service;
    this.token = Buffer.from(options.token);
    this.logs = options.logs ?? new LogBook();
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    const server = createServer({ cert: this.options.tls.cert, key: this.options.tls.key, keepAlive: true }, (req, res) => {
      this.handle(req, res).catch((error) => this.fail(res, error));
    });
    server.keepAliveTimeout = 60_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const bound = (server.address() as AddressInfo).port;
    this.address = `${host}:${bound}`;
    return bound;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private fail(res: ServerResponse, error: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof ApiError) sendError(res, error);
    else sendError(res, new ApiError(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`));
  }

  private authenticated(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) return false;
    const given = Buffer.from(header.slice(7).trim());
    return given.length === this.token.length && timingSafeEqual(given, this.token);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // responses carry the simulated time, which clients compare timestamps (Lease renewals, ages) against
    res.setHeader('Date', this.options.now().toUTCString());
    const url = new URL(req.url ?? '/', 'https://sandbox');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (!UNAUTHENTICATED_PATHS.has(path) && !this.authenticated(req)) throw unauthorized();
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    const accept = req.headers.accept;

    if (segments.length === 1 && ['healthz', 'livez', 'readyz'].includes(segments[0])) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end('ok');
      return;
    }
    if (path === '/version') return sendObject(res, 200, KUBERNETES_VERSION);
    if (path === '/debug/faults' && this.options.faults) return serveFaultsDebug(this.options.faults, req, res);
    if (segments[0] === 'openapi') return this.openApi(res, segments);
    if (segments[0] === 'api' || segments[0] === 'apis') {
      const core = segments[0] === 'api';
      const registry = this.service.registry;
      if (segments.length === 1) {
        if (wantsAggregated(accept)) return sendObject(res, 200, aggregatedDiscovery(registry, core), AGGREGATED_CONTENT_TYPE);
        return sendObject(res, 200, core ? legacyApiVersions(this.address) : legacyGroupList(registry));
      }
      const group = core ? '' : segments[1];
      const version = core ? segments[1] : segments[2];
      const rest = segments.slice(core ? 2 : 3);
      if (!core && segments.length === 2) {
        const doc = legacyGroup(registry, group);
        if (!doc) throw pageNotFound();
        return sendObject(res, 200, doc);
      }
      if (rest.length === 0) {
        const doc = legacyResourceList(registry, group, version);
        if (!doc) throw pageNotFound();
        return sendObject(res, 200, doc);
      }
      return this.resource(req, res, url, this.route(group, version, rest));
    }
    throw pageNotFound();
  }

  private openApi(res: ServerResponse, segments: string[]): void {
    if (segments[1] !== 'v3') throw pageNotFound();
    const registry = this.service.registry;
    const key = segments.slice(2).join('/');
    const doc = this.cachedOpenApi(key, () => {
      if (key === '') return openApiIndex(registry);
      return segments[2] === 'api' ? openApiGroupVersion(registry, '', segments[3]) : openApiGroupVersion(registry, segments[3], segments[4]);
    });
    if (doc === undefined) throw pageNotFound();
    sendJson(res, 200, doc);
  }

  /** OpenAPI documents are large and change only with the registry (a CRD written), so they are built once per change. */
  private cachedOpenApi(key: string, build: () => object | undefined): string | undefined {
    const generation = this.service.registry.generation;
    if (this.openApiCache.generation !== generation) this.openApiCache = { generation, docs: new Map() };
    if (!this.openApiCache.docs.has(key)) {
      const doc = build();
      this.openApiCache.docs.set(key, doc === undefined ? undefined : JSON.stringify(doc));
    }
    return this.openApiCache.docs.get(key);
  }

  private route(group: string, version: string, rest: string[]): Route {
    const registry = this.service.registry;
    let namespace = '';
    if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && ['status', 'finalize'].includes(rest[2]))) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [resource, name, subresource, ...extra] = rest;
    const type = registry.get(group, version, resource);
    if (!type || extra.length > 0) throw pageNotFound();
    if (namespace && !type.namespaced) throw pageNotFound();
    if (subresource && !type.subresources.some((s) => s.name === subresource) && !(type.resource === 'namespaces' && subresource === 'finalize')) throw pageNotFound();
    return { type, namespace, name, subresource };
  }

  private allow(type: ResourceType, verb: Verb): void {
    if (!type.verbs.includes(verb)) throw methodNotAllowed();
  }

  private async resource(req: IncomingMessage, res: ServerResponse, url: URL, route: Route): Promise<void> {
    const { type, namespace, name, subresource } = route;
    const query = url.searchParams;
    const service = this.service;
    const now = this.options.now;
    const writeOptions = (): WriteOptions => ({
      bodyOwned: true,
      dryRun: query.getAll('dryRun').includes('All'),
      fieldManager: query.get('fieldManager') ?? undefined,
      fieldValidation: query.get('fieldValidation') ?? undefined,
    });
    const watching = query.get('watch') === 'true' || query.get('watch') === '1';
    const verb = requestVerb(req.method ?? '', name !== undefined, watching);
    const dropWatchAfterMs = verb && this.options.faults?.active ? await applyFault(this.options.faults, { verb, resource: type.resource, group: type.group, subresource }, name) : undefined;
    const dryRunValues = query.getAll('dryRun').filter((v) => v !== 'All');
    if (dryRunValues.length > 0) throw badRequest(`dryRun: Unsupported value: "${dryRunValues[0]}": supported values: "All"`);
    const respond = async (code: number, object: unknown): Promise<void> => {
      await service.store.durable();
      if (wantsTable(req.headers.accept) && req.method === 'GET') {
        return sendObject(res, code, renderTable(type, [object as KubeObject], now()), TABLE_CONTENT_TYPE);
      }
      sendObject(res, code, object);
    };

    if (type.virtual) return this.virtual(req, res, route, query);

    switch (req.method) {
      case 'GET': {
        if (name === undefined) {
          this.allow(type, query.get('watch') === 'true' || query.get('watch') === '1' ? 'watch' : 'list');
          if (query.get('watch') === 'true' || query.get('watch') === '1') {
            const filter = service.filterFor(type, { labelSelector: query.get('labelSelector') ?? undefined, fieldSelector: query.get('fieldSelector') ?? undefined });
            return serveWatch(service.store, res, { type, namespace, filter, query, table: wantsTable(req.headers.accept), now, dropAfterMs: dropWatchAfterMs });
          }
          return this.list(req, res, route, query);
        }
        this.allow(type, 'get');
        if (subresource === 'log') return serveLogs(this.logs, res, service.get(type, namespace, name), query, now());
        if (subresource === 'scale') return sendObject(res, 200, scaleOf(service.get(type, namespace, name)));
        if (wantsTable(req.headers.accept)) return respond(200, service.get(type, namespace, name));
        const entry = service.getEntry(type, namespace, name);
        await service.store.durable();
        return sendJson(res, 200, entry.json);
      }
      case 'POST': {
        const body = decodeBody(await readBody(req), req.headers['content-type'], OBJECT_BODY_TYPES);
        if (name === undefined) {
          this.allow(type, 'create');
          const created = service.create(type, namespace, body, writeOptions());
          return respond(201, created);
        }
        if (subresource === 'eviction') {
          evictPod(service, namespace, name, body, now());
          await service.store.durable();
          return sendObject(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
        }
        if (subresource === 'binding') {
          bindPod(service, namespace, name, body, now());
          await service.store.durable();
          return sendObject(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
        }
        throw methodNotAllowed();
      }
      case 'PUT': {
        if (name === undefined) throw methodNotAllowed();
        this.allow(type, 'update');
        const body = decodeBody(await readBody(req), req.headers['content-type'], OBJECT_BODY_TYPES);
        if (subresource === 'scale') return respond(200, applyScale(service, type, namespace, name, body));
        if (type.resource === 'namespaces' && subresource === 'finalize') {
          return respond(200, service.update(type, namespace, name, { ...service.get(type, '', name), spec: body?.spec }));
        }
        const options = { ...writeOptions(), subresource: subresource as WriteOptions['subresource'] };
        return respond(200, service.update(type, namespace, name, body, options));
      }
      case 'PATCH': {
        if (name === undefined) throw methodNotAllowed();
        this.allow(type, 'patch');
        const patchType = PATCH_CONTENT_TYPES[mediaType(req.headers['content-type'])];
        if (!patchType) {
          throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_CONTENT_TYPES).join(', ')}`);
        }
        const raw = await readBody(req);
        const patch = decodeBody(raw, patchType === 'apply' ? 'application/yaml' : 'application/json');
        if (subresource === 'scale') {
          const current = scaleOf(service.get(type, namespace, name));
          const next = patchType === 'json' ? applyJsonPatch(current, patch) : applyMergePatch(current, patch);
          return respond(200, applyScale(service, type, namespace, name, next));
        }
        const options = { ...writeOptions(), subresource: subresource as WriteOptions['subresource'], force: query.get('force') === 'true' };
        if (patchType === 'apply' && !options.fieldManager) throw badRequest('PATCH, application/apply-patch+yaml requests must specify a fieldManager');
        const { object, created } = service.patch(type, namespace, name, patchType, patch, options);
        return respond(created ? 201 : 200, object);
      }
      case 'DELETE': {
        const raw = await readBody(req);
        const options = this.deleteOptions(raw, req.headers['content-type'], query);
        if (name === undefined) {
          this.allow(type, 'deletecollection');
          const removed = service.deleteCollection(type, namespace, { labelSelector: query.get('labelSelector') ?? undefined, fieldSelector: query.get('fieldSelector') ?? undefined }, options);
          return respond(200, { kind: `${type.kind}List`, apiVersion: apiVersionOf(type.group, type.version), metadata: { resourceVersion: String(service.store.resourceVersion) }, items: removed });
        }
        this.allow(type, 'delete');
        if (type.resource === 'namespaces' && type.group === '' && PROTECTED_NAMESPACES.has(name)) {
          throw new ApiError(403, 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
        }
        const { object, gone } = service.delete(type, namespace, name, options);
        if (gone && !type.namespaced && type.resource !== 'namespaces') return respond(200, object);
        return respond(200, gone ? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: type.group, kind: type.resource, uid: object.metadata.uid } } : object);
      }
      default:
        throw methodNotAllowed();
    }
  }

  private deleteOptions(raw: Buffer, contentType: string | undefined, query: URLSearchParams): DeleteOptions {
    let options: DeleteOptions = {};
    // kubectl drain --disable-eviction sends its DeleteOptions as protobuf
    if (raw.length > 0) {
      const body = decodeBody(raw, contentType ?? 'application/json', OBJECT_BODY_TYPES);
      if (body && typeof body === 'object') options = body;
    }
    if (query.has('gracePeriodSeconds')) options.gracePeriodSeconds = Number(query.get('gracePeriodSeconds'));
    if (query.has('propagationPolicy')) options.propagationPolicy = query.get('propagationPolicy') as DeleteOptions['propagationPolicy'];
    if (query.get('orphanDependents') === 'true') options.propagationPolicy ??= 'Orphan';
    if (query.getAll('dryRun').includes('All') || (options.dryRun as unknown as string[] | undefined)?.includes?.('All')) options.dryRun = true;
    else options.dryRun = false;
    if (options.gracePeriodSeconds !== undefined && (!Number.isInteger(options.gracePeriodSeconds) || options.gracePeriodSeconds < 0)) {
      throw badRequest(`gracePeriodSeconds: Invalid value: ${options.gracePeriodSeconds}: must be a non-negative integer`);
    }
    return options;
  }

  private list(req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams): void {
    const { type, namespace } = route;
    const limitRaw = query.get('limit');
    const limit = limitRaw ? Number(limitRaw) : undefined;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw badRequest(`limit: Invalid value: "${limitRaw}": must be a non-negative integer`);
    const match = query.get('resourceVersionMatch');
    const rv = query.get('resourceVersion');
    if (match && !rv) throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (match === 'Exact' && rv && Number(rv) < this.service.store.resourceVersion) {
      throw new ApiError(410, 'Expired', `Timeout: Too large resource version: ${rv}, current: ${this.service.store.resourceVersion}`);
    }
    const page = this.service.list(type, namespace, {
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
      limit,
      continue: query.get('continue') ?? undefined,
    });
    const metadata = listMetadata(page);
    if (wantsTable(req.headers.accept)) {
      const table = renderTable(type, page.entries.map(parseEntry), this.options.now());
      return sendObject(res, 200, { ...table, metadata }, TABLE_CONTENT_TYPE);
    }
    const head = JSON.stringify({ kind: `${type.kind}List`, apiVersion: apiVersionOf(type.group, type.version), metadata });
    // the stored bytes of each object, joined: no object is parsed or serialized again
    const parts: Buffer[] = [Buffer.from(`${head.slice(0, -1)},"items":[`)];
    page.entries.forEach((entry, i) => {
      if (i > 0) parts.push(COMMA);
      parts.push(entry.json);
    });
    parts.push(LIST_END);
    sendJson(res, 200, Buffer.concat(parts));
  }

  private async virtual(req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams): Promise<void> {
    const { type, namespace, name } = route;
    if (type.group === 'authorization.k8s.io') {
      if (req.method !== 'POST') throw methodNotAllowed();
      const review = decodeBody(await readBody(req), req.headers['content-type'], OBJECT_BODY_TYPES);
      // the sandbox has one user, the cluster admin: every access is allowed
      const status = type.resource === 'selfsubjectaccessreviews'
        ? { allowed: true, reason: 'the sandbox user is a cluster administrator' }
        : { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false };
      return sendObject(res, 201, { ...review, apiVersion: 'authorization.k8s.io/v1', kind: type.kind, metadata: { creationTimestamp: null }, status });
    }
    if (req.method !== 'GET') throw methodNotAllowed();
    const metrics = this.options.metrics;
    const all = type.resource === 'nodes' ? (metrics?.nodes() ?? []) : (metrics?.pods(namespace) ?? []);
    const selector = query.get('labelSelector');
    const items = selector ? all.filter((item) => matchesLabels(parseSelector(selector), item.metadata.labels)) : all;
    if (name !== undefined) {
      const item = items.find((i) => i.metadata.name === name);
      if (!item) throw notFound(type, name);
      return sendObject(res, 200, item);
    }
    sendObject(res, 200, { kind: `${type.kind}List`, apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items });
  }
}

function parseSelector(text: string): LabelSelector {
  try {
    return parseLabelSelector(text);
  } catch (error) {
    throw badRequest((error as Error).message);
  }
}

const COMMA = Buffer.from(',');
const LIST_END = Buffer.from(']}');

function listMetadata(page: ListPage): Record<string, unknown> {
  const metadata: Record<string, unknown> = { resourceVersion: String(page.rv) };
  if (page.continueAfter !== undefined) {
    metadata.continue = encodeContinue(page.rv, page.continueAfter);
    if (page.remaining !== undefined) metadata.remainingItemCount = page.remaining;
  }
  return metadata;
}

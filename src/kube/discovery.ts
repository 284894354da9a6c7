// What the server serves, and what a user's resource name means there: "po", "pods", "Pod", "deploy",
// "deployments.apps", "deployments.v1.apps" -> {group, version, resource, kind, namespaced}.
//
// Aggregated discovery first (/api and /apis with the Accept header kubectl sends), legacy discovery
// (/api/v1, /apis/<group>/<version> ...) when the server does not offer it. Cached in memory and on disk
// under ~/.kmaint/cache/discovery/<host_port>/ for ttlMs; a name that the cache does not know makes it
// fetch again before it gives up, so a new CRD is found at once.

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KubeClient } from './client.ts';

export const AGGREGATED_DISCOVERY_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

export interface ApiResource {
  /** "" for the core group */
  group: string;
  version: string;
  /** plural, lower case: "deployments" */
  resource: string;
  kind: string;
  namespaced: boolean;
  singular: string;
  shortNames: string[];
  verbs: string[];
  categories: string[];
  /** "status", "scale", "eviction" ... */
  subresources: string[];
  /** this version is the group's preferred one (the first listed) */
  preferred: boolean;
}

export interface DiscoveryOptions {
  /** root of the disk cache; default ~/.kmaint/cache/discovery; null turns the disk cache off */
  cacheDir?: string | null;
  /** default 10 minutes */
  ttlMs?: number;
  now?: () => number;
}

interface CacheFile {
  server: string;
  fetchedAt: number;
  format: 'aggregated' | 'legacy';
  resources: ApiResource[];
}

export class UnknownResourceError extends Error {
  override readonly name = 'UnknownResourceError';
  constructor(readonly resourceName: string) {
    super(`the server doesn't have a resource type "${resourceName}"; see: kmaint api-resources`);
  }
}

type DiscoveryClient = Pick<KubeClient, 'request' | 'server' | 'hostPort'>;

export const DEFAULT_DISCOVERY_TTL_MS = 10 * 60_000;
const DISCOVERY_TIMEOUT_MS = 32_000;
const LEGACY_CONCURRENCY = 8;

export function defaultDiscoveryCacheRoot(): string {
  return join(homedir(), '.kmaint', 'cache', 'discovery');
}

/** kubectl's directory name for a server: "127.0.0.1_6443" */
export function cacheDirName(server: string): string {
  const url = new URL(server);
  const host = url.port ? `${url.hostname}_${url.port}` : url.hostname;
  const prefix = url.pathname.replace(/\/+$/, '');
  return (host + prefix).replace(/[^\w.]/g, '_');
}

export class Discovery {
  /** where the last answer came from */
  source?: 'memory' | 'disk' | 'server';
  format?: 'aggregated' | 'legacy';
  /** group versions legacy discovery could not fetch (an aggregated API server that is down) */
  readonly failedGroupVersions: string[] = [];
  private cached?: { fetchedAt: number; resources: ApiResource[] };
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly cacheFile?: string;

  constructor(
    private readonly client: DiscoveryClient,
    options: DiscoveryOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_DISCOVERY_TTL_MS;
    this.now = options.now ?? Date.now;
    const root = options.cacheDir === undefined ? defaultDiscoveryCacheRoot() : options.cacheDir;
    if (root) this.cacheFile = join(root, cacheDirName(client.server), 'resources.json');
  }

  /** Every resource of every group version (subresources folded into their resource). */
  async resources(): Promise<ApiResource[]> {
    if (this.cached && this.fresh(this.cached.fetchedAt)) {
      this.source = 'memory';
      return this.cached.resources;
    }
    const fromDisk = this.readDisk();
    if (fromDisk) {
      this.cached = fromDisk;
      this.source = 'disk';
      return fromDisk.resources;
    }
    return this.refresh();
  }

  /** One version per group, the preferred one: what `api-resources` shows. */
  async preferredResources(): Promise<ApiResource[]> {
    return (await this.resources()).filter((r) => r.preferred);
  }

  /** Fetches from the server, replacing both caches. */
  async refresh(): Promise<ApiResource[]> {
    const { format, resources } = await this.fetch();
    const fetchedAt = this.now();
    this.cached = { fetchedAt, resources };
    this.format = format;
    this.source = 'server';
    this.writeDisk({ server: this.client.server, fetchedAt, format, resources });
    return resources;
  }

  invalidate(): void {
    this.cached = undefined;
    if (this.cacheFile) rmSync(this.cacheFile, { force: true });
  }

  /** Resolves a name as kubectl does; a miss on cached data fetches again before it fails. */
  async resolve(name: string): Promise<ApiResource> {
    const found = resolveResource(await this.resources(), name);
    if (found) return found;
    if (this.source !== 'server') {
      const again = resolveResource(await this.refresh(), name);
      if (again) return again;
    }
    throw new UnknownResourceError(name);
  }

  private fresh(fetchedAt: number): boolean {
    const age = this.now() - fetchedAt;
    return age >= 0 && age < this.ttlMs;
  }

  private readDisk(): { fetchedAt: number; resources: ApiResource[] } | undefined {
    if (!this.cacheFile) return undefined;
    try {
      const file = JSON.parse(readFileSync(this.cacheFile, 'utf8')) as CacheFile;
      if (file.server !== this.client.server || !Array.isArray(file.resources) || !this.fresh(file.fetchedAt)) return undefined;
      this.format = file.format;
      return { fetchedAt: file.fetchedAt, resources: file.resources };
    } catch {
      return undefined; // absent, invalidated or unreadable: fetch
    }
  }

  private writeDisk(file: CacheFile): void {
    if (!this.cacheFile) return;
    try {
      const dir = join(this.cacheFile, '..');
      mkdirSync(dir, { recursive: true, mode: 0o750 });
      const temp = `${this.cacheFile}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(file), { mode: 0o640 });
      renameSync(temp, this.cacheFile);
    } catch {
      // a cache that cannot be written only costs a fetch next time
    }
  }

  private async fetch(): Promise<{ format: 'aggregated' | 'legacy'; resources: ApiResource[] }> {
    const get = (path: string, accept?: string): Promise<any> =>
      this.client.request('GET', path, { accept, timeoutMs: DISCOVERY_TIMEOUT_MS, query: { timeout: '32s' } });
    const [core, groups] = await Promise.all([get('/api', AGGREGATED_DISCOVERY_ACCEPT), get('/apis', AGGREGATED_DISCOVERY_ACCEPT)]);
    if (core?.kind === 'APIGroupDiscoveryList' && groups?.kind === 'APIGroupDiscoveryList') {
      return { format: 'aggregated', resources: [...fromAggregated(core), ...fromAggregated(groups)] };
    }
    // legacy: /api lists core versions, /apis the groups; then one resource list per group version
    this.failedGroupVersions.length = 0;
    const groupVersions: Array<{ group: string; version: string; preferred: boolean }> = [];
    const coreVersions: string[] = Array.isArray(core?.versions) ? core.versions : ['v1'];
    coreVersions.forEach((version, i) => groupVersions.push({ group: '', version, preferred: i === 0 }));
    const legacyGroups = groups?.kind === 'APIGroupList' ? groups : await get('/apis');
    for (const group of legacyGroups?.groups ?? []) {
      const preferred = group.preferredVersion?.version ?? group.versions?.[0]?.version;
      for (const v of group.versions ?? []) groupVersions.push({ group: group.name, version: v.version, preferred: v.version === preferred });
    }
    const lists = await mapLimit(groupVersions, LEGACY_CONCURRENCY, async (gv) => {
      try {
        return fromResourceList(await get(gv.group ? `/apis/${gv.group}/${gv.version}` : `/api/${gv.version}`), gv.group, gv.version, gv.preferred);
      } catch {
        this.failedGroupVersions.push(gv.group ? `${gv.group}/${gv.version}` : gv.version);
        return [];
      }
    });
    return { format: 'legacy', resources: lists.flat() };
  }
}

function fromAggregated(doc: any): ApiResource[] {
  const resources: ApiResource[] = [];
  for (const item of doc.items ?? []) {
    const group: string = item.metadata?.name ?? '';
    (item.versions ?? []).forEach((v: any, index: number) => {
      for (const r of v.resources ?? []) {
        resources.push({
          group,
          version: v.version,
          resource: r.resource,
          kind: r.responseKind?.kind ?? '',
          namespaced: r.scope === 'Namespaced',
          singular: r.singularResource || (r.responseKind?.kind ?? '').toLowerCase(),
          shortNames: r.shortNames ?? [],
          verbs: r.verbs ?? [],
          categories: r.categories ?? [],
          subresources: (r.subresources ?? []).map((s: any) => s.subresource),
          preferred: index === 0,
        });
      }
    });
  }
  return resources;
}

function fromResourceList(doc: any, group: string, version: string, preferred: boolean): ApiResource[] {
  const byName = new Map<string, ApiResource>();
  const subresources: Array<[string, string]> = [];
  for (const r of doc?.resources ?? []) {
    const [resource, sub] = String(r.name).split('/', 2);
    if (sub) {
      subresources.push([resource, sub]);
      continue;
    }
    byName.set(resource, {
      group,
      version,
      resource,
      kind: r.kind ?? '',
      namespaced: !!r.namespaced,
      singular: r.singularName || String(r.kind ?? '').toLowerCase(),
      shortNames: r.shortNames ?? [],
      verbs: r.verbs ?? [],
      categories: r.categories ?? [],
      subresources: [],
      preferred,
    });
  }
  for (const [resource, sub] of subresources) byName.get(resource)?.subresources.push(sub);
  return [...byName.values()];
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * kubectl's rules: "resource", "resource.group" or "resource.version.group"; the resource part may be the
 * plural, the singular, a short name or the kind, in that order of precedence; without a version the
 * group's preferred version wins; when groups compete, the core group and then discovery order wins.
 */
export function resolveResource(resources: ApiResource[], name: string): ApiResource | undefined {
  const wanted = name.trim().toLowerCase();
  if (!wanted) return undefined;
  const specs: Array<{ term: string; group?: string; version?: string }> = [];
  const dot = wanted.indexOf('.');
  if (dot > 0) {
    const term = wanted.slice(0, dot);
    const rest = wanted.slice(dot + 1);
    const [maybeVersion, ...groupParts] = rest.split('.');
    if (groupParts.length > 0 && /^v\d+((alpha|beta)\d+)?$/.test(maybeVersion)) specs.push({ term, version: maybeVersion, group: groupParts.join('.') });
    specs.push({ term, group: rest });
  }
  specs.push({ term: wanted });
  const tiers: Array<(r: ApiResource, term: string) => boolean> = [
    (r, term) => r.resource === term,
    (r, term) => r.singular === term,
    (r, term) => r.shortNames.includes(term),
    (r, term) => r.kind.toLowerCase() === term,
  ];
  for (const spec of specs) {
    const scoped = resources.filter((r) => (spec.group === undefined || r.group === spec.group) && (spec.version === undefined || r.version === spec.version));
    for (const matches of tiers) {
      const found = scoped.filter((r) => matches(r, spec.term));
      if (found.length === 0) continue;
      return found.find((r) => r.group === '' && (spec.version !== undefined || r.preferred)) ?? found.find((r) => spec.version !== undefined || r.preferred) ?? found[0];
    }
  }
  return undefined;
}

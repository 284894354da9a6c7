// Discovery documents: aggregated (apidiscovery.k8s.io/v2, what kubectl asks for first) and legacy.

import { apiVersionOf } from '../../domain/object.ts';
import type { ResourceRegistry, ResourceType } from './resources.ts';

export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export function wantsAggregated(accept: string | undefined): boolean {
  return !!accept && /as=APIGroupDiscoveryList/.test(accept) && /v=v2(?!beta)/.test(accept);
}

function aggregatedResource(type: ResourceType): object {
  return {
    resource: type.resource,
    responseKind: { group: '', version: '', kind: type.kind },
    scope: type.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: type.singular,
    verbs: type.verbs,
    ...(type.shortNames.length ? { shortNames: type.shortNames } : {}),
    ...(type.categories.length ? { categories: type.categories } : {}),
    ...(type.subresources.length
      ? {
          subresources: type.subresources.map((sub) => ({
            subresource: sub.name,
            responseKind: { group: sub.group, version: sub.version, kind: sub.kind },
            verbs: sub.verbs,
          })),
        }
      : {}),
  };
}

function versionsOf(registry: ResourceRegistry, core: boolean): Array<[string, Map<string, ResourceType[]>]> {
  return [...registry.groups()].filter(([group]) => (group === '') === core);
}

/** `/api` (core) or `/apis` (named groups) as an APIGroupDiscoveryList. */
export function aggregatedDiscovery(registry: ResourceRegistry, core: boolean): object {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: versionsOf(registry, core).map(([group, versions]) => ({
      metadata: { name: group, creationTimestamp: null },
      versions: sortVersions([...versions.keys()]).map((version) => ({
        version,
        resources: versions.get(version)!.map(aggregatedResource),
        freshness: 'Current',
      })),
    })),
  };
}

export function legacyApiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupEntry(group: string, versions: string[]): object {
  const sorted = sortVersions(versions);
  return {
    name: group,
    versions: sorted.map((version) => ({ groupVersion: apiVersionOf(group, version), version })),
    preferredVersion: { groupVersion: apiVersionOf(group, sorted[0]), version: sorted[0] },
  };
}

export function legacyGroupList(registry: ResourceRegistry): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: versionsOf(registry, false).map(([group, versions]) => groupEntry(group, [...versions.keys()])),
  };
}

export function legacyGroup(registry: ResourceRegistry, group: string): object | undefined {
  const versions = registry.groups().get(group);
  if (!versions || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, [...versions.keys()]) };
}

export function legacyResourceList(registry: ResourceRegistry, group: string, version: string): object | undefined {
  const types = registry.groups().get(group)?.get(version);
  if (!types) return undefined;
  const resources: object[] = [];
  for (const type of types) {
    resources.push({
      name: type.resource,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: type.verbs,
      ...(type.shortNames.length ? { shortNames: type.shortNames } : {}),
      ...(type.categories.length ? { categories: type.categories } : {}),
    });
    for (const sub of type.subresources) {
      resources.push({
        name: `${type.resource}/${sub.name}`,
        singularName: '',
        namespaced: type.namespaced,
        ...(sub.group !== group || sub.version !== version ? { group: sub.group, version: sub.version } : {}),
        kind: sub.kind,
        verbs: sub.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}

/** Kubernetes version priority: GA before beta before alpha, higher numbers first. */
export function sortVersions(versions: string[]): string[] {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0];
    const stage = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stage, -Number(m[1]), -Number(m[3] ?? 0)];
  };
  return [...versions].sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2] || a.localeCompare(b);
  });
}

// The -o formats and how Kubernetes objects print in the machine-readable ones: json (4-space indent, a
// List for many objects, as kubectl), yaml (block style, unindented sequences, as kubectl), name (kind.group/name).

import { stringify } from 'yaml';
import type { KubeObject } from '../domain/object.ts';

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml', 'name'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export class OutputFormatError extends Error {
  constructor(
    readonly value: string,
    readonly allowed: readonly OutputFormat[],
  ) {
    super(`unknown output format "${value}"; use one of: ${allowed.join(', ')}`);
  }
}

/** undefined or "" is the default table; anything outside `allowed` is an OutputFormatError. */
export function parseOutputFormat(value: string | undefined, allowed: readonly OutputFormat[] = OUTPUT_FORMATS): OutputFormat {
  const format = (value ?? '').trim().toLowerCase() || 'table';
  if (!(allowed as readonly string[]).includes(format)) throw new OutputFormatError(value ?? '', allowed);
  return format as OutputFormat;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 4) + '\n';
}

export function toYaml(value: unknown): string {
  return stringify(value, { indentSeq: false, lineWidth: 0, aliasDuplicateObjects: false });
}

/** What kubectl prints for several objects in json or yaml. */
export function asList(items: unknown[]): { apiVersion: 'v1'; kind: 'List'; metadata: { resourceVersion: '' }; items: unknown[] } {
  return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items };
}

/** Items of a list response carry no apiVersion/kind; put them back (first in key order, as kubectl prints). */
export function withTypeMeta<T extends KubeObject>(object: T, apiVersion: string, kind: string): T {
  if (object.apiVersion && object.kind) return object;
  const { apiVersion: _a, kind: _k, ...rest } = object;
  return { apiVersion: object.apiVersion ?? apiVersion, kind: object.kind ?? kind, ...rest } as T;
}

/** "pod/web-1", "deployment.apps/web": lower-case kind, the group unless core, the name. */
export function objectName(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const kind = (object.kind ?? '').toLowerCase();
  const apiVersion = object.apiVersion ?? '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
  return `${kind}${group ? `.${group}` : ''}/${object.metadata?.name ?? ''}`;
}

/**
 * Objects in json, yaml or name format. `single` prints the object itself (a `get NAME`); otherwise json
 * and yaml wrap the objects in a List, even one.
 */
export function renderObjects(objects: KubeObject[], format: 'json' | 'yaml' | 'name', options: { single?: boolean } = {}): string {
  if (format === 'name') return objects.map((object) => objectName(object) + '\n').join('');
  const value = options.single && objects.length === 1 ? objects[0] : asList(objects);
  return format === 'json' ? toJson(value) : toYaml(value);
}

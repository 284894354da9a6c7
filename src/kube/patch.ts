// PATCH helpers, one per patch type, each sending the Content-Type the API server needs to tell them apart
// (a merge patch sent as strategic, or as plain JSON, means something else or is refused with 415).

import type { KubeClient } from './client.ts';
import type { KubeObject } from '../domain/object.ts';

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';
export const PATCH_CONTENT_TYPES = [MERGE_PATCH, JSON_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH] as const;

export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

export interface PatchOptions {
  /** records who changed the fields (managedFields); kubectl uses "kubectl-<verb>" */
  fieldManager?: string;
  dryRun?: boolean;
  /** Strict | Warn | Ignore */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  signal?: AbortSignal;
}

export interface ApplyOptions extends Omit<PatchOptions, 'fieldManager'> {
  /** required by server-side apply: the owner of the applied fields */
  fieldManager: string;
  /** take ownership of fields another manager owns instead of failing with 409 Conflict */
  force?: boolean;
}

/** Escapes a map key for a JSON Pointer ("/metadata/labels/app.kubernetes.io~1name"). */
export function jsonPointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function send<T>(client: KubeClient, path: string, contentType: string, body: unknown, options: PatchOptions & { force?: boolean }): Promise<T> {
  return client.request<T>('PATCH', path, {
    body,
    contentType,
    signal: options.signal,
    query: {
      fieldManager: options.fieldManager,
      dryRun: options.dryRun ? 'All' : undefined,
      fieldValidation: options.fieldValidation,
      force: options.force === undefined ? undefined : options.force,
    },
  });
}

/** RFC 7386: objects merge, null deletes, arrays are replaced whole. */
export function mergePatch<T = KubeObject>(client: KubeClient, path: string, patch: object, options: PatchOptions = {}): Promise<T> {
  return send<T>(client, path, MERGE_PATCH, patch, options);
}

/** RFC 6902 operations, applied in order; a failed "test" fails the whole patch. */
export function jsonPatch<T = KubeObject>(client: KubeClient, path: string, operations: JsonPatchOperation[], options: PatchOptions = {}): Promise<T> {
  return send<T>(client, path, JSON_PATCH, operations, options);
}

/** Kubernetes' strategic merge: lists merge by their patch merge key (containers by name ...); what kubectl cordon sends. */
export function strategicMergePatch<T = KubeObject>(client: KubeClient, path: string, patch: object, options: PatchOptions = {}): Promise<T> {
  return send<T>(client, path, STRATEGIC_MERGE_PATCH, patch, options);
}

/**
 * Server-side apply: creates the object if it is absent, else sets the fields this manager owns.
 * The body is JSON (valid YAML), as kubectl sends it.
 */
export function applyPatch<T = KubeObject>(client: KubeClient, path: string, object: object, options: ApplyOptions): Promise<T> {
  if (!options.fieldManager) throw new Error('server-side apply needs a fieldManager');
  return send<T>(client, path, APPLY_PATCH, JSON.stringify(object), { ...options, force: options.force ?? false });
}

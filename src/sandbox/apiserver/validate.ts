// Per-kind checks a real API server makes on writes: required fields and, for custom resources,
// the CRD's openAPIV3Schema (types, required fields, enums; unknown fields pruned or, when strict, rejected).

import { isPlainObject, type KubeObject } from '../../domain/object.ts';

export interface FieldProblem {
  field: string;
  message: string;
  reason?: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueTypeInvalid' | 'FieldValueDuplicate';
}

function required(problems: FieldProblem[], value: unknown, field: string): void {
  if (value === undefined || value === null || value === '') problems.push({ field, message: 'Required value', reason: 'FieldValueRequired' });
}

function validateContainers(problems: FieldProblem[], spec: any, path: string): void {
  if (!spec) {
    required(problems, undefined, path);
    return;
  }
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    required(problems, undefined, `${path}.containers`);
    return;
  }
  const seen = new Set<string>();
  for (const list of ['initContainers', 'containers'] as const) {
    (spec[list] ?? []).forEach((container: any, index: number) => {
      const at = `${path}.${list}[${index}]`;
      required(problems, container?.name, `${at}.name`);
      required(problems, container?.image, `${at}.image`);
      if (container?.name) {
        if (seen.has(container.name)) problems.push({ field: `${at}.name`, message: `Duplicate value: "${container.name}"`, reason: 'FieldValueDuplicate' });
        seen.add(container.name);
      }
    });
  }
}

function validateSelectorMatchesTemplate(problems: FieldProblem[], object: KubeObject): void {
  const selector = object.spec?.selector;
  if (!selector) {
    required(problems, undefined, 'spec.selector');
    return;
  }
  const labels = object.spec?.template?.metadata?.labels ?? {};
  const matchLabels = selector.matchLabels ?? {};
  for (const [key, value] of Object.entries(matchLabels)) {
    if (labels[key] !== value) {
      problems.push({ field: 'spec.template.metadata.labels', message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``, reason: 'FieldValueInvalid' });
      return;
    }
  }
}

function validateWorkload(problems: FieldProblem[], object: KubeObject): void {
  validateSelectorMatchesTemplate(problems, object);
  validateContainers(problems, object.spec?.template?.spec, 'spec.template.spec');
  if (object.spec?.replicas !== undefined && (typeof object.spec.replicas !== 'number' || object.spec.replicas < 0)) {
    problems.push({ field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(object.spec.replicas)}: must be greater than or equal to 0` });
  }
}

const VALIDATORS: Record<string, (object: KubeObject, problems: FieldProblem[]) => void> = {
  'core/pods': (pod, problems) => validateContainers(problems, pod.spec, 'spec'),
  'apps/deployments': (o, p) => validateWorkload(p, o),
  'apps/replicasets': (o, p) => validateWorkload(p, o),
  'apps/statefulsets': (o, p) => validateWorkload(p, o),
  'apps/daemonsets': (o, p) => validateWorkload(p, o),
  'batch/jobs': (job, problems) => validateContainers(problems, job.spec?.template?.spec, 'spec.template.spec'),
  'batch/cronjobs': (cj, problems) => {
    required(problems, cj.spec?.schedule, 'spec.schedule');
    validateContainers(problems, cj.spec?.jobTemplate?.spec?.template?.spec, 'spec.jobTemplate.spec.template.spec');
  },
  'core/services': (svc, problems) => {
    const type = svc.spec?.type ?? 'ClusterIP';
    if (type !== 'ExternalName' && svc.spec?.clusterIP !== 'None' && !(svc.spec?.ports?.length > 0)) required(problems, undefined, 'spec.ports');
    (svc.spec?.ports ?? []).forEach((port: any, i: number) => {
      if (!Number.isInteger(port?.port) || port.port < 1 || port.port > 65535) problems.push({ field: `spec.ports[${i}].port`, message: `Invalid value: ${JSON.stringify(port?.port)}: must be between 1 and 65535, inclusive` });
    });
  },
  'policy/poddisruptionbudgets': (pdb, problems) => {
    if (pdb.spec?.minAvailable !== undefined && pdb.spec?.maxUnavailable !== undefined) {
      problems.push({ field: 'spec', message: 'Invalid value: minAvailable and maxUnavailable cannot be both set' });
    }
  },
  'coordination.k8s.io/leases': () => {},
  'apiextensions.k8s.io/customresourcedefinitions': (crd, problems) => {
    const names = crd.spec?.names ?? {};
    required(problems, crd.spec?.group, 'spec.group');
    required(problems, names.plural, 'spec.names.plural');
    required(problems, names.kind, 'spec.names.kind');
    required(problems, crd.spec?.scope, 'spec.scope');
    if (crd.spec?.scope && !['Namespaced', 'Cluster'].includes(crd.spec.scope)) {
      problems.push({ field: 'spec.scope', message: `Unsupported value: "${crd.spec.scope}": supported values: "Cluster", "Namespaced"`, reason: 'FieldValueNotSupported' });
    }
    if (!Array.isArray(crd.spec?.versions) || crd.spec.versions.length === 0) required(problems, undefined, 'spec.versions');
    else if (crd.spec.versions.filter((v: any) => v.storage).length !== 1) problems.push({ field: 'spec.versions', message: 'Invalid value: must have exactly one version marked as storage version' });
    if (crd.metadata.name && names.plural && crd.spec?.group && crd.metadata.name !== `${names.plural}.${crd.spec.group}`) {
      problems.push({ field: 'metadata.name', message: `Invalid value: "${crd.metadata.name}": must be spec.names.plural+"."+spec.group` });
    }
  },
};

export function validateKind(resource: string, object: KubeObject): FieldProblem[] {
  const problems: FieldProblem[] = [];
  VALIDATORS[resource]?.(object, problems);
  return problems;
}

/** A structural OpenAPI v3 schema, the subset CRDs use. */
export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
}

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Checks a custom resource against its schema. Unknown fields are pruned from the object in place,
 * or reported when `strict` (kubectl's default fieldValidation=Strict).
 */
export function validateAgainstSchema(object: KubeObject, schema: Schema | undefined, strict: boolean): { problems: FieldProblem[]; unknown: string[] } {
  const problems: FieldProblem[] = [];
  const unknown: string[] = [];
  if (!schema) return { problems, unknown };
  walk(object, schema, '', true);
  return { problems, unknown };

  function walk(value: unknown, s: Schema, path: string, root = false): unknown {
    if (value === null || value === undefined) return value;
    if (s['x-kubernetes-int-or-string']) {
      if (typeof value !== 'string' && !Number.isInteger(value)) problems.push({ field: path, message: `Invalid value: ${JSON.stringify(value)}: must be an integer or a string`, reason: 'FieldValueTypeInvalid' });
      return value;
    }
    if (s.type && !typeMatches(value, s.type)) {
      problems.push({ field: path || '<root>', message: `Invalid value: "${typeName(value)}": ${path || 'body'} in body must be of type ${s.type}: "${typeName(value)}"`, reason: 'FieldValueTypeInvalid' });
      return value;
    }
    if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
      problems.push({ field: path, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`, reason: 'FieldValueNotSupported' });
    }
    if (typeof value === 'number') {
      if (s.minimum !== undefined && value < s.minimum) problems.push({ field: path, message: `Invalid value: ${value}: ${path} in body should be greater than or equal to ${s.minimum}` });
      if (s.maximum !== undefined && value > s.maximum) problems.push({ field: path, message: `Invalid value: ${value}: ${path} in body should be less than or equal to ${s.maximum}` });
    }
    if (typeof value === 'string' && s.pattern && !new RegExp(s.pattern).test(value)) {
      problems.push({ field: path, message: `Invalid value: "${value}": ${path} in body should match '${s.pattern}'` });
    }
    if (Array.isArray(value) && s.items) value.forEach((item, i) => walk(item, s.items as Schema, `${path}[${i}]`));
    if (isPlainObject(value)) {
      for (const name of s.required ?? []) {
        if (value[name] === undefined || value[name] === null) problems.push({ field: join(path, name), message: 'Required value', reason: 'FieldValueRequired' });
      }
      for (const key of Object.keys(value)) {
        if (root && TOP_LEVEL.has(key)) continue;
        const propertySchema = s.properties?.[key] ?? (isPlainObject(s.additionalProperties) ? s.additionalProperties : undefined);
        if (propertySchema) walk(value[key], propertySchema, join(path, key));
        else if (!s['x-kubernetes-preserve-unknown-fields'] && s.additionalProperties !== true && !(root && !s.properties)) {
          if (strict) unknown.push(join(path, key));
          delete value[key];
        }
      }
    }
    return value;
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

function jsonTypeName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : typeof value === 'boolean' ? 'bool' : (typeof value as string);
}

/** encoding/json's message for a value of the wrong type in a Go struct field. */
function unmarshalError(value: unknown, struct: string, field: string, goType: string): string {
  return `json: cannot unmarshal ${jsonTypeName(value)} into Go struct field ${struct}.${field} of type ${goType}`;
}

/** A map[string]string field: the first value that is not a string, as the decoder reports it. */
function stringMapError(map: unknown, struct: string, field: string): string | undefined {
  if (map === undefined || map === null) return undefined;
  if (typeof map !== 'object' || Array.isArray(map)) return unmarshalError(map, struct, field, 'map[string]string');
  for (const value of Object.values(map)) {
    if (typeof value !== 'string' && value !== null) return unmarshalError(value, struct, field, 'string');
  }
  return undefined;
}

/** A map[string][]byte field: strings holding standard base64. */
function bytesMapError(map: unknown, struct: string, field: string): string | undefined {
  if (map === undefined || map === null) return undefined;
  if (typeof map !== 'object' || Array.isArray(map)) return unmarshalError(map, struct, field, 'map[string][]uint8');
  for (const value of Object.values(map)) {
    if (value === null) continue;
    if (typeof value !== 'string') return unmarshalError(value, struct, field, '[]uint8');
    const bad = value.search(/[^A-Za-z0-9+/=]/);
    if (bad >= 0) return `illegal base64 data at input byte ${bad}`;
    const padding = value.indexOf('=');
    if (value.length % 4 !== 0 || (padding >= 0 && !/^=*$/.test(value.slice(padding)))) {
      return `illegal base64 data at input byte ${padding >= 0 ? padding : value.length - (value.length % 4)}`;
    }
  }
  return undefined;
}

/**
 * The typed fields a built-in object is decoded into before anything else happens: a value of the wrong
 * JSON type (an unquoted `true` in a ConfigMap, a number as a label value) fails the decoding, as a 400
 * whose message is `<Kind> in version "<v>" cannot be handled as a <Kind>: <decoder error>`.
 * Returns the decoder error, or undefined when the object decodes.
 */
export function decodeError(resource: string, kind: string, object: KubeObject): string | undefined {
  const meta = object.metadata ?? {};
  const problem =
    stringMapError(meta.labels, 'ObjectMeta', 'metadata.labels') ??
    stringMapError(meta.annotations, 'ObjectMeta', 'metadata.annotations') ??
    (resource === 'core/configmaps' ? stringMapError(object.data, kind, 'data') ?? bytesMapError(object.binaryData, kind, 'binaryData') : undefined) ??
    (resource === 'core/secrets' ? bytesMapError(object.data, kind, 'data') ?? stringMapError(object.stringData, kind, 'stringData') : undefined);
  return problem;
}

// Name, label and annotation rules of the Kubernetes API, with the messages the API server uses
// (k8s.io/apimachinery/pkg/api/validate/content and pkg/apis/meta/v1/validation), so that the
// sandbox rejects what a real cluster rejects, in the same words.
//
// Lengths are counted in UTF-8 bytes, like Go's len(string).

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;

const dns1123LabelRegexp = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const dns1123SubdomainRegexp = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const dns1035LabelRegexp = new RegExp(`^${DNS1035_LABEL_FMT}$`);
const labelKeyRegexp = new RegExp(`^${LABEL_KEY_FMT}$`);
const labelValueRegexp = new RegExp(`^${LABEL_VALUE_FMT}$`);

export const DNS1123_LABEL_MAX_LENGTH = 63;
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
export const DNS1035_LABEL_MAX_LENGTH = 63;
export const LABEL_KEY_NAME_MAX_LENGTH = 63;
export const LABEL_VALUE_MAX_LENGTH = 63;
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;
/** CronJob names leave room for the 11 characters the controller appends to Job names. */
export const CRONJOB_NAME_MAX_LENGTH = DNS1035_LABEL_MAX_LENGTH - 11;

const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const LABEL_KEY_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** Length of a string in UTF-8 bytes (what Go's len() returns). */
export function utf8Length(value: string): number {
  let bytes = 0;
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

function maxLenError(length: number): string {
  return `must be no more than ${length} bytes`;
}

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join('or ')}regex used for validation is '${fmt}')`;
}

const EMPTY_ERROR = 'must be non-empty';

/** Messages explaining why `value` is not a DNS-1123 label; empty when it is one. */
export function dns1123LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!dns1123LabelRegexp.test(value)) {
    // A valid subdomain that is not a valid label can only be failing on its dots.
    if (dns1123SubdomainRegexp.test(value)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

/** Messages explaining why `value` is not a DNS-1123 subdomain; empty when it is one. */
export function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!dns1123SubdomainRegexp.test(value)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** Messages explaining why `value` is not a DNS-1035 label (must start with a letter). */
export function dns1035LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > DNS1035_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1035_LABEL_MAX_LENGTH));
  if (!dns1035LabelRegexp.test(value)) errs.push(regexError(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errs;
}

export function isDns1123Label(name: string): boolean {
  return dns1123LabelErrors(name).length === 0;
}

export function isDns1123Subdomain(name: string): boolean {
  return dns1123SubdomainErrors(name).length === 0;
}

export function isDns1035Label(name: string): boolean {
  return dns1035LabelErrors(name).length === 0;
}

/**
 * Messages explaining why `value` is not a label key (a "qualified name"): an optional
 * DNS-1123 subdomain prefix and '/', then a name of at most 63 characters.
 */
export function labelKeyErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push(`prefix part ${EMPTY_ERROR}`);
    else for (const msg of dns1123SubdomainErrors(prefix)) errs.push(`prefix part ${msg}`);
  } else {
    return [
      `a valid label key ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push(`name part ${EMPTY_ERROR}`);
  else if (utf8Length(name) > LABEL_KEY_NAME_MAX_LENGTH) errs.push(`name part ${maxLenError(LABEL_KEY_NAME_MAX_LENGTH)}`);
  if (!labelKeyRegexp.test(name)) errs.push(`name part ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** Messages explaining why `value` is not a label value (may be empty). */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH));
  if (!labelValueRegexp.test(value)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** Names that end up as a single URL path segment (RBAC objects) only have to survive the URL. */
export function pathSegmentNameErrors(name: string): string[] {
  for (const illegal of ['.', '..']) {
    if (name === illegal) return [`may not be '${illegal}'`];
  }
  const errs: string[] = [];
  for (const illegal of ['/', '%']) {
    if (name.includes(illegal)) errs.push(`may not contain '${illegal}'`);
  }
  return errs;
}

export type NameRule = 'dns1123-subdomain' | 'dns1123-label' | 'dns1035-label' | 'path-segment';

// Which rule each built-in resource's ValidateObjectMeta name function applies upstream.
// Anything not listed (pods, nodes, deployments, configmaps, custom resources...) uses the
// DNS-1123 subdomain rule.
const NAME_RULES: Record<string, NameRule> = {
  namespaces: 'dns1123-label',
  statefulsets: 'dns1123-label',
  // Services are DNS-1035 labels (the RelaxedServiceNameValidation gate, off by default,
  // loosens this to DNS-1123 labels).
  services: 'dns1035-label',
  roles: 'path-segment',
  clusterroles: 'path-segment',
  rolebindings: 'path-segment',
  clusterrolebindings: 'path-segment',
};

const RESOURCE_ALIASES: Record<string, string> = {
  namespace: 'namespaces',
  ns: 'namespaces',
  service: 'services',
  svc: 'services',
  statefulset: 'statefulsets',
  sts: 'statefulsets',
  role: 'roles',
  clusterrole: 'clusterroles',
  rolebinding: 'rolebindings',
  clusterrolebinding: 'clusterrolebindings',
  cronjob: 'cronjobs',
  cj: 'cronjobs',
};

/** Normalises "Service", "svc", "services" or "cronjobs.batch" to the plural resource name. */
function canonicalResource(resource: string): string {
  const base = resource.toLowerCase().split('.')[0];
  return RESOURCE_ALIASES[base] ?? base;
}

export function nameRuleFor(resource: string, options: { relaxedServiceNames?: boolean } = {}): NameRule {
  const canonical = canonicalResource(resource);
  if (canonical === 'services' && options.relaxedServiceNames) return 'dns1123-label';
  return NAME_RULES[canonical] ?? 'dns1123-subdomain';
}

export interface ObjectNameOptions {
  /**
   * Validate a metadata.generateName prefix instead of a full name: a trailing '-' is allowed
   * because random characters will follow it.
   */
  prefix?: boolean;
  /** Accept DNS-1123 labels for Service names (upstream's RelaxedServiceNameValidation gate). */
  relaxedServiceNames?: boolean;
}

/**
 * Validates metadata.name (or generateName with `prefix`) for the given resource ("pods",
 * "namespaces", "Service", "cronjobs.batch"...). Returns the upstream detail messages; an empty
 * array means the name is valid. Callers build the full error, e.g.
 * `metadata.name: Invalid value: "Foo": <message>`.
 */
export function validateObjectName(resource: string, name: string, options: ObjectNameOptions = {}): string[] {
  if (name.length === 0) return options.prefix ? [] : ['name or generateName is required'];
  const candidate = options.prefix && name.endsWith('-') ? `${name.slice(0, -1)}a` : name;
  const canonical = canonicalResource(resource);
  let errs: string[];
  switch (nameRuleFor(canonical, options)) {
    case 'dns1123-label':
      errs = dns1123LabelErrors(candidate);
      break;
    case 'dns1035-label':
      errs = dns1035LabelErrors(candidate);
      break;
    case 'path-segment':
      errs = pathSegmentNameErrors(candidate);
      break;
    default:
      errs = dns1123SubdomainErrors(candidate);
  }
  if (canonical === 'cronjobs' && !options.prefix && utf8Length(name) > CRONJOB_NAME_MAX_LENGTH) {
    errs.push(`must be no more than ${CRONJOB_NAME_MAX_LENGTH} characters`);
  }
  return errs;
}

export interface FieldError {
  /** Path of the offending field, e.g. "metadata.labels". */
  field: string;
  /** Upstream error body, e.g. `Invalid value: "-x": name part must consist of ...`. */
  message: string;
  /** metav1.StatusCause reason. */
  reason: 'FieldValueInvalid' | 'FieldValueTooLong';
}

/** Quotes like Go's %q for the characters that appear in names and labels. */
function quote(value: string): string {
  return JSON.stringify(value);
}

function invalid(field: string, value: string, detail: string): FieldError {
  return { field, message: `Invalid value: ${quote(value)}: ${detail}`, reason: 'FieldValueInvalid' };
}

/** Renders a FieldError the way the API server prints it in a Status message. */
export function formatFieldError(error: FieldError): string {
  return `${error.field}: ${error.message}`;
}

/** Validates label keys and values (metav1 ValidateLabels). Keys are checked in sorted order. */
export function validateLabels(labels: Record<string, string> | undefined | null, field = 'metadata.labels'): FieldError[] {
  const errs: FieldError[] = [];
  if (!labels) return errs;
  for (const key of Object.keys(labels).sort()) {
    for (const msg of labelKeyErrors(key)) errs.push(invalid(field, key, msg));
    const value = labels[key];
    if (typeof value !== 'string') {
      errs.push(invalid(field, String(value), 'label values must be strings'));
      continue;
    }
    for (const msg of labelValueErrors(value)) errs.push(invalid(field, value, msg));
  }
  return errs;
}

/**
 * Validates annotation keys (label-key rules, case-insensitive) and the total size of keys plus
 * values, which may not exceed 256 KiB.
 */
export function validateAnnotations(
  annotations: Record<string, string> | undefined | null,
  field = 'metadata.annotations',
): FieldError[] {
  const errs: FieldError[] = [];
  if (!annotations) return errs;
  let totalSize = 0;
  for (const key of Object.keys(annotations).sort()) {
    for (const msg of labelKeyErrors(key.toLowerCase())) errs.push(invalid(field, key, msg));
    const value = annotations[key];
    if (typeof value !== 'string') {
      errs.push(invalid(field, String(value), 'annotation values must be strings'));
      continue;
    }
    totalSize += utf8Length(key) + utf8Length(value);
  }
  if (totalSize > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) {
    errs.push({
      field,
      message: `Too long: may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT_BYTES} bytes`,
      reason: 'FieldValueTooLong',
    });
  }
  return errs;
}

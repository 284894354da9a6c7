// Fault injection for the sandbox API server (`--faults SPEC`), so that clients' retries, backoff and watch
// resumption can be tested against the failures a real API server produces.
//
//   SPEC    := RULE ("," RULE)*
//   RULE    := TARGET "=" ACTION ["@" RATE]
//   TARGET  := RESOURCE ":" VERB
//   RESOURCE:= "*" | NAME["." GROUP]["/" SUBRESOURCE | "/*"]      pods, deployments.apps, pods/eviction, pods/*
//   VERB    := "*" | get | list | watch | create | update | patch | delete | deletecollection
//   ACTION  := CODE                  an error status, 400-599 (429 comes with Retry-After: 1)
//            | "latency:" DURATION   added delay in real time: 50ms, 1s, or a range 10ms-200ms
//            | "drop"[":" DURATION]  (watch only) cut the stream abruptly, after up to DURATION (default 0s)
//   RATE    := a probability 0-1, or a percentage ("10%"); default 1
//
// Example: pods/eviction:create=429@0.1,*:*=latency:50ms,pods:watch=drop:5s@0.2
//
// A resource name matches its own requests only; subresources are named ("pods/status") or wildcarded
// ("pods/*"); "*" matches every resource and subresource. Discovery, OpenAPI and /version are never faulted.
// Every matching latency rule adds its delay; the first error rule whose dice roll hits answers the request.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StatusDetails } from '../../domain/status.ts';
import { readBody, sendObject } from './http.ts';
import type { Verb } from './resources.ts';
import { ApiError, badRequest } from './status.ts';

export const FAULT_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const;

export type FaultAction =
  | { kind: 'error'; code: number }
  | { kind: 'latency'; minMs: number; maxMs: number }
  | { kind: 'drop'; withinMs: number };

export interface FaultRule {
  /** the rule as written, for reports */
  text: string;
  resource: string;
  group?: string;
  /** undefined: the resource itself; '*': any subresource */
  subresource?: string;
  /** '*' for every resource */
  anyResource: boolean;
  verb: Verb | '*';
  action: FaultAction;
  rate: number;
}

export class FaultSpecError extends Error {}

/** What a request is, for matching rules. */
export interface FaultRequest {
  verb: Verb;
  resource: string;
  group: string;
  subresource?: string;
}

/** What to do to a request: wait, then fail or (for a watch) cut the stream. */
export interface FaultDecision {
  delayMs: number;
  error?: ApiError;
  /** cut the watch stream after this many real milliseconds */
  dropAfterMs?: number;
}

export interface FaultCounts {
  rule: string;
  /** requests the rule applied to */
  matched: number;
  /** requests it actually faulted */
  injected: number;
}

const REASONS: Record<number, [string, string]> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'Unauthorized'],
  403: ['Forbidden', 'forbidden: the fault injector denied this request'],
  404: ['NotFound', 'the server could not find the requested resource'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  408: ['Timeout', 'request did not complete within the allowed duration'],
  409: ['Conflict', 'the object has been modified; please apply your changes to the latest version and try again'],
  410: ['Expired', 'too old resource version'],
  413: ['RequestEntityTooLarge', 'Request entity too large: limit is 3145728'],
  415: ['UnsupportedMediaType', 'the body of the request was in an unknown format'],
  422: ['Invalid', 'the request is invalid'],
  429: ['TooManyRequests', 'Too many requests, please try again later.'],
  500: ['InternalError', 'Internal error occurred: injected fault'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
};

/** The metav1.Status a real API server sends for this code (upstream's reason for each code). */
export function injectedError(code: number, request: FaultRequest, name?: string): ApiError {
  const [reason, message] = REASONS[code] ?? (code >= 500 ? ['InternalError', `Internal error occurred: injected fault (${code})`] : ['', `injected fault (${code})`]);
  const details: StatusDetails = { ...(name ? { name } : {}), group: request.group, kind: request.resource };
  if (code === 429) details.retryAfterSeconds = 1;
  if (code === 429 || code === 500 || code === 503 || code === 504) details.causes = [{ reason: 'InjectedFault', message: 'injected by the sandbox --faults option' }];
  return new ApiError(code, reason, message, details);
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)$/;

export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new FaultSpecError(`"${text}" is not a duration (e.g. 50ms, 2s, 1m)`);
  const factor = match[2] === 'ms' ? 1 : match[2] === 's' ? 1000 : 60_000;
  return Number(match[1]) * factor;
}

function parseRate(text: string): number {
  const percent = text.endsWith('%');
  const value = Number(percent ? text.slice(0, -1) : text);
  const rate = percent ? value / 100 : value;
  if (text === '' || !Number.isFinite(rate) || rate < 0 || rate > 1) throw new FaultSpecError(`rate "${text}" must be a probability from 0 to 1, or a percentage`);
  return rate;
}

function parseAction(text: string): FaultAction {
  if (/^\d+$/.test(text)) {
    const code = Number(text);
    if (code < 400 || code > 599) throw new FaultSpecError(`error code ${code} must be from 400 to 599`);
    return { kind: 'error', code };
  }
  if (text.startsWith('latency:')) {
    const range = text.slice('latency:'.length).split('-');
    if (range.length > 2) throw new FaultSpecError(`latency "${text}" must be a duration or a range like 10ms-200ms`);
    const minMs = parseDuration(range[0]);
    const maxMs = range.length === 2 ? parseDuration(range[1]) : minMs;
    if (maxMs < minMs) throw new FaultSpecError(`latency range "${text}" ends before it starts`);
    return { kind: 'latency', minMs, maxMs };
  }
  if (text === 'drop') return { kind: 'drop', withinMs: 0 };
  if (text.startsWith('drop:')) return { kind: 'drop', withinMs: parseDuration(text.slice('drop:'.length)) };
  throw new FaultSpecError(`action "${text}" must be an error code (429), latency:DURATION or drop[:DURATION]`);
}

function parseRule(text: string): FaultRule {
  const eq = text.indexOf('=');
  if (eq < 0) throw new FaultSpecError(`rule "${text}" needs RESOURCE:VERB=ACTION`);
  const target = text.slice(0, eq);
  let actionText = text.slice(eq + 1);
  let rate = 1;
  const at = actionText.lastIndexOf('@');
  if (at >= 0) {
    rate = parseRate(actionText.slice(at + 1));
    actionText = actionText.slice(0, at);
  }
  const colon = target.lastIndexOf(':');
  if (colon < 0) throw new FaultSpecError(`target "${target}" needs RESOURCE:VERB (e.g. pods:list, *:*)`);
  const resourceText = target.slice(0, colon);
  const verb = target.slice(colon + 1);
  if (verb !== '*' && !(FAULT_VERBS as readonly string[]).includes(verb)) throw new FaultSpecError(`verb "${verb}" must be * or one of ${FAULT_VERBS.join(', ')}`);
  const action = parseAction(actionText);
  if (action.kind === 'drop' && verb !== 'watch' && verb !== '*') throw new FaultSpecError(`drop applies to watch streams only, not to "${verb}"`);
  if (resourceText === '*') return { text, resource: '*', anyResource: true, verb: verb as FaultRule['verb'], action, rate };
  const match = /^([a-z0-9-]+)(?:\.([a-z0-9.-]+))?(?:\/([a-z*]+))?$/.exec(resourceText);
  if (!match) throw new FaultSpecError(`resource "${resourceText}" must be *, NAME, NAME.GROUP, NAME/SUBRESOURCE or NAME/*`);
  return { text, resource: match[1], group: match[2], subresource: match[3], anyResource: false, verb: verb as FaultRule['verb'], action, rate };
}

export function parseFaultSpec(spec: string): FaultRule[] {
  const rules = spec.split(',').map((part) => part.trim());
  if (spec.trim() === '' || rules.some((r) => r === '')) throw new FaultSpecError('the fault spec is empty or has an empty rule');
  return rules.map(parseRule);
}

export const FAULT_USAGE = 'RESOURCE:VERB=ACTION[@RATE],... e.g. pods/eviction:create=429@0.1,*:*=latency:50ms,pods:watch=drop:5s@0.2';

function ruleMatches(rule: FaultRule, request: FaultRequest): boolean {
  if (rule.verb !== '*' && rule.verb !== request.verb) return false;
  if (rule.anyResource) return true;
  if (rule.resource !== request.resource) return false;
  if (rule.group !== undefined && rule.group !== request.group) return false;
  if (rule.subresource === '*') return true;
  return rule.subresource === request.subresource;
}

/** Decides per request which faults to inject, and counts them. */
export class FaultInjector {
  private rules: FaultRule[] = [];
  private counts: FaultCounts[] = [];

  constructor(
    spec = '',
    private readonly random: () => number = Math.random,
  ) {
    if (spec) this.configure(spec);
  }

  get spec(): string {
    return this.rules.map((r) => r.text).join(',');
  }

  /** Replaces the rules (an empty spec removes them) and resets the counts. */
  configure(spec: string): void {
    this.rules = spec.trim() === '' ? [] : parseFaultSpec(spec);
    this.counts = this.rules.map((r) => ({ rule: r.text, matched: 0, injected: 0 }));
  }

  get active(): boolean {
    return this.rules.length > 0;
  }

  decide(request: FaultRequest, name?: string): FaultDecision | undefined {
    let decision: FaultDecision | undefined;
    this.rules.forEach((rule, i) => {
      if (!ruleMatches(rule, request)) return;
      if (rule.action.kind === 'drop' && request.verb !== 'watch') return;
      if (rule.action.kind === 'error' && decision?.error) return;
      const counts = this.counts[i];
      counts.matched++;
      if (!(this.random() < rule.rate)) return;
      counts.injected++;
      decision ??= { delayMs: 0 };
      const action = rule.action;
      if (action.kind === 'latency') decision.delayMs += action.minMs + (action.maxMs - action.minMs) * this.random();
      else if (action.kind === 'error') decision.error = injectedError(action.code, request, name);
      else decision.dropAfterMs = Math.min(decision.dropAfterMs ?? Infinity, action.withinMs * this.random());
    });
    return decision;
  }

  report(): { spec: string; rules: FaultCounts[]; injected: number } {
    return { spec: this.spec, rules: this.counts.map((c) => ({ ...c })), injected: this.counts.reduce((sum, c) => sum + c.injected, 0) };
  }
}

/** The verb of a REST request, as RBAC and audit logs name it. */
export function requestVerb(method: string, hasName: boolean, watch: boolean): Verb | undefined {
  switch (method) {
    case 'GET':
      return hasName ? 'get' : watch ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}

/**
 * GET /debug/faults: the spec and, per rule, how many requests it matched and faulted.
 * PUT /debug/faults with the spec as the body replaces the rules (an empty body removes them).
 */
export async function serveFaultsDebug(injector: FaultInjector, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'PUT') {
    const spec = (await readBody(req)).toString('utf8').trim();
    try {
      injector.configure(spec);
    } catch (error) {
      if (error instanceof FaultSpecError) throw badRequest(`invalid fault spec: ${error.message}; expected ${FAULT_USAGE}`);
      throw error;
    }
  } else if (req.method !== 'GET') {
    throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }
  sendObject(res, 200, injector.report());
}

/** Waits, then answers for the fault: throws its error, or says when to cut a watch stream. */
export async function applyFault(injector: FaultInjector | undefined, request: FaultRequest, name?: string): Promise<number | undefined> {
  if (!injector?.active) return undefined;
  const decision = injector.decide(request, name);
  if (!decision) return undefined;
  if (decision.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
  if (decision.error) throw decision.error;
  return decision.dropAfterMs;
}

// Label and field selectors with the semantics of k8s.io/apimachinery/pkg/labels and
// pkg/fields: the same grammar, the same canonical text, the same error messages.

import { labelKeyErrors, labelValueErrors } from './validation.ts';

export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

// ---------------------------------------------------------------------------------------------
// Label selectors

/** Operator spellings are upstream's selection.Operator values. */
export type LabelOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted and de-duplicated when parsed from text; empty for exists / does-not-exist. */
  readonly values: readonly string[];
}

/**
 * A selector either matches nothing at all (a nil metav1.LabelSelector) or is the AND of its
 * requirements; no requirements means it matches everything.
 */
export type LabelSelector =
  | { readonly kind: 'nothing' }
  | { readonly kind: 'requirements'; readonly requirements: readonly LabelRequirement[] };

export const EVERYTHING: LabelSelector = Object.freeze({ kind: 'requirements', requirements: Object.freeze([]) });
export const NOTHING: LabelSelector = Object.freeze({ kind: 'nothing' });

/** True when the selector does not restrict anything (upstream Selector.Empty()). */
export function isEverything(selector: LabelSelector): boolean {
  return selector.kind === 'requirements' && selector.requirements.length === 0;
}

const BINARY_OPERATORS = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

type Token =
  | 'error'
  | 'end'
  | 'closedPar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

const LITERAL_TOKENS: Record<string, Token> = {
  ')': 'closedPar',
  ',': 'comma',
  '!': 'doesNotExist',
  '==': 'doubleEquals',
  '=': 'equals',
  '>': 'greaterThan',
  in: 'in',
  '<': 'lessThan',
  '!=': 'notEquals',
  notin: 'notIn',
  '(': 'openPar',
};

interface ScannedItem {
  tok: Token;
  literal: string;
}

const isWhitespace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string) => '=!(),><'.includes(ch) && ch.length === 1;

function lex(text: string): ScannedItem[] {
  const items: ScannedItem[] = [];
  let pos = 0;
  for (;;) {
    while (pos < text.length && isWhitespace(text[pos])) pos++;
    if (pos >= text.length) {
      items.push({ tok: 'end', literal: '' });
      return items;
    }
    if (isSpecialSymbol(text[pos])) {
      // Longest run of symbols that still spells a token: "!=" rather than "!" then "=".
      let buffer = '';
      let last: ScannedItem | undefined;
      while (pos < text.length && isSpecialSymbol(text[pos])) {
        const candidate = buffer + text[pos];
        const tok = LITERAL_TOKENS[candidate];
        if (tok) {
          buffer = candidate;
          last = { tok, literal: candidate };
          pos++;
        } else if (last) {
          break;
        } else {
          buffer = candidate;
          pos++;
        }
      }
      items.push(last ?? { tok: 'error', literal: `error expected: keyword found '${buffer}'` });
      continue;
    }
    let buffer = '';
    while (pos < text.length && !isSpecialSymbol(text[pos]) && !isWhitespace(text[pos])) buffer += text[pos++];
    const literalTok = Object.hasOwn(LITERAL_TOKENS, buffer) ? LITERAL_TOKENS[buffer] : undefined;
    items.push({ tok: literalTok ?? 'identifier', literal: buffer });
  }
}

/** "in" and "notin" are identifiers where a value is expected ("x in (in)"). */
type Context = 'keyAndOperator' | 'values';

class LabelParser {
  private position = 0;
  constructor(private readonly items: ScannedItem[]) {}

  private lookahead(context: Context): ScannedItem {
    return this.adjust(this.items[this.position], context);
  }

  private consume(context: Context): ScannedItem {
    return this.adjust(this.items[this.position++], context);
  }

  private adjust(item: ScannedItem, context: Context): ScannedItem {
    if (context === 'values' && (item.tok === 'in' || item.tok === 'notIn')) return { tok: 'identifier', literal: item.literal };
    return item;
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const { tok, literal } = this.lookahead('values');
      switch (tok) {
        case 'identifier':
        case 'doesNotExist': {
          let requirement: LabelRequirement;
          try {
            requirement = this.parseRequirement();
          } catch (err) {
            throw new SelectorError(`unable to parse requirement: ${(err as Error).message}`);
          }
          requirements.push(requirement);
          const next = this.consume('values');
          if (next.tok === 'end') return requirements;
          if (next.tok === 'comma') {
            const after = this.lookahead('values');
            if (after.tok !== 'identifier' && after.tok !== 'doesNotExist') {
              throw new SelectorError(`found '${after.literal}', expected: identifier after ','`);
            }
            break;
          }
          throw new SelectorError(`found '${next.literal}', expected: ',' or 'end of string'`);
        }
        case 'end':
          return requirements;
        default:
          throw new SelectorError(`found '${literal}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    const { key, operator: inferred } = this.parseKeyAndInferOperator();
    if (inferred === 'exists' || inferred === '!') return newRequirement(key, inferred, []);
    const operator = this.parseOperator();
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, operator, [...values].sort());
  }

  private parseKeyAndInferOperator(): { key: string; operator: LabelOperator | undefined } {
    let operator: LabelOperator | undefined;
    let item = this.consume('values');
    if (item.tok === 'doesNotExist') {
      operator = '!';
      item = this.consume('values');
    }
    if (item.tok !== 'identifier') throw new Error(`found '${item.literal}', expected: identifier`);
    const keyErrors = labelKeyErrors(item.literal);
    if (keyErrors.length > 0) throw new Error(invalidValue('<nil>', item.literal, keyErrors.join('; ')));
    const next = this.lookahead('values').tok;
    if ((next === 'end' || next === 'comma') && operator !== '!') operator = 'exists';
    return { key: item.literal, operator };
  }

  private parseOperator(): LabelOperator {
    const { tok, literal } = this.consume('keyAndOperator');
    switch (tok) {
      case 'in':
        return 'in';
      case 'equals':
        return '=';
      case 'doubleEquals':
        return '==';
      case 'greaterThan':
        return 'gt';
      case 'lessThan':
        return 'lt';
      case 'notIn':
        return 'notin';
      case 'notEquals':
        return '!=';
      default:
        throw new Error(`found '${literal}', expected: ${BINARY_OPERATORS.join(', ')}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume('values');
    if (open.tok !== 'openPar') throw new Error(`found '${open.literal}' expected: '('`);
    const { tok, literal } = this.lookahead('values');
    switch (tok) {
      case 'identifier':
      case 'comma': {
        const values = this.parseIdentifiersList();
        if (this.consume('values').tok !== 'closedPar') throw new Error(`found '${literal}', expected: ')'`);
        return values;
      }
      case 'closedPar':
        this.consume('values');
        return new Set(['']);
      default:
        throw new Error(`found '${literal}', expected: ',', ')' or identifier`);
    }
  }

  // A comma-separated list of possibly empty identifiers: "(a,,b)" and "(,a)" contain "".
  private parseIdentifiersList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const { tok, literal } = this.consume('values');
      switch (tok) {
        case 'identifier': {
          values.add(literal);
          const next = this.lookahead('values');
          if (next.tok === 'comma') continue;
          if (next.tok === 'closedPar') return values;
          throw new Error(`found '${next.literal}', expected: ',' or ')'`);
        }
        case 'comma': {
          if (values.size === 0) values.add('');
          const next = this.lookahead('values').tok;
          if (next === 'closedPar') {
            values.add('');
            return values;
          }
          if (next === 'comma') {
            this.consume('values');
            values.add('');
          }
          break;
        }
        default:
          throw new Error(`found '${literal}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): Set<string> {
    const ahead = this.lookahead('values').tok;
    if (ahead === 'end' || ahead === 'comma') return new Set(['']);
    const { tok, literal } = this.consume('values');
    if (tok === 'identifier') return new Set([literal]);
    throw new Error(`found '${literal}', expected: identifier`);
  }
}

/** Renders a value the way Go's field.Invalid does: strings quoted, lists as JSON (nil as null). */
function invalidValue(path: string, value: string | readonly string[] | null, detail: string): string {
  return `${path}: Invalid value: ${JSON.stringify(value)}: ${detail}`;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(s, 10, 64), or undefined when it would fail. */
function parseInt64(text: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  return value < INT64_MIN || value > INT64_MAX ? undefined : value;
}

/** labels.NewRequirement: validates the key, the operator's arity and every value. */
function newRequirement(key: string, operator: LabelOperator, values: string[], emptyAsNull = false): LabelRequirement {
  const errors: string[] = [];
  const keyErrors = labelKeyErrors(key);
  if (keyErrors.length > 0) errors.push(invalidValue('key', key, keyErrors.join('; ')));
  const shown = values.length === 0 && emptyAsNull ? null : values;
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errors.push(invalidValue('values', shown, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errors.push(invalidValue('values', shown, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errors.push(invalidValue('values', shown, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errors.push(invalidValue('values', shown, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((value, i) => {
        if (parseInt64(value) === undefined) {
          errors.push(invalidValue(`values[${i}]`, value, "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      });
      break;
    default:
      errors.push(
        `operator: Unsupported value: ${JSON.stringify(operator)}: supported values: ${[...BINARY_OPERATORS, 'exists', '!']
          .map((o) => JSON.stringify(o))
          .join(', ')}`,
      );
  }
  values.forEach((value, i) => {
    const valueErrors = labelValueErrors(value);
    if (valueErrors.length > 0) errors.push(invalidValue(`values[${i}][${key}]`, value, valueErrors.join('; ')));
  });
  if (errors.length === 1) throw new SelectorError(errors[0]);
  if (errors.length > 1) throw new SelectorError(`[${[...new Set(errors)].join(', ')}]`);
  return { key, operator, values };
}

function byKey(a: LabelRequirement, b: LabelRequirement): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Parses the kubectl `-l` / `?labelSelector=` syntax:
 * `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`, `a>1`, `a<1`, comma-separated.
 * An empty (or blank) string selects everything.
 */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements = new LabelParser(lex(text)).parse();
  return { kind: 'requirements', requirements: requirements.sort(byKey) };
}

function hasLabel(labels: Record<string, string>, key: string): boolean {
  return Object.hasOwn(labels, key);
}

export function requirementMatches(requirement: LabelRequirement, labels: Record<string, string> | undefined): boolean {
  const set = labels ?? {};
  const { key, operator, values } = requirement;
  switch (operator) {
    case 'in':
    case '=':
    case '==':
      return hasLabel(set, key) && values.includes(set[key]);
    case 'notin':
    case '!=':
      return !hasLabel(set, key) || !values.includes(set[key]);
    case 'exists':
      return hasLabel(set, key);
    case '!':
      return !hasLabel(set, key);
    case 'gt':
    case 'lt': {
      if (!hasLabel(set, key) || values.length !== 1) return false;
      const actual = parseInt64(set[key]);
      const bound = parseInt64(values[0]);
      if (actual === undefined || bound === undefined) return false;
      return operator === 'gt' ? actual > bound : actual < bound;
    }
    default:
      return false;
  }
}

/** True when every requirement matches. A missing key satisfies `!=`, `notin` and `!key`. */
export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  if (selector.kind === 'nothing') return false;
  return selector.requirements.every((r) => requirementMatches(r, labels));
}

export interface LabelSelectorRequirementSpec {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  values?: string[] | null;
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorRequirementSpec[] | null;
}

const SPEC_OPERATORS: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * Converts a metav1.LabelSelector (PDBs, Deployments, NetworkPolicies...) the way
 * metav1.LabelSelectorAsSelector does: null/undefined selects nothing, `{}` everything.
 * Throws SelectorError for an unknown operator or invalid keys and values.
 */
export function labelSelectorFromSpec(spec: LabelSelectorSpec | undefined | null): LabelSelector {
  if (spec === undefined || spec === null) return NOTHING;
  const matchLabels = spec.matchLabels ?? {};
  const matchExpressions = spec.matchExpressions ?? [];
  if (Object.keys(matchLabels).length + matchExpressions.length === 0) return EVERYTHING;
  const requirements: LabelRequirement[] = [];
  for (const key of Object.keys(matchLabels).sort()) {
    requirements.push(newRequirement(key, '=', [String(matchLabels[key])]));
  }
  for (const expression of matchExpressions) {
    const operator = Object.hasOwn(SPEC_OPERATORS, expression.operator) ? SPEC_OPERATORS[expression.operator] : undefined;
    if (!operator) throw new SelectorError(`${JSON.stringify(expression.operator)} is not a valid label selector operator`);
    requirements.push(newRequirement(expression.key, operator, [...(expression.values ?? [])], true));
  }
  return { kind: 'requirements', requirements: requirements.sort(byKey) };
}

/** A selector requiring exactly these labels (labels.SelectorFromSet); `{}` selects everything. */
export function labelSelectorFromSet(set: Record<string, string>): LabelSelector {
  const requirements = Object.keys(set)
    .sort()
    .map((key): LabelRequirement => ({ key, operator: '=', values: [set[key]] }));
  return { kind: 'requirements', requirements };
}

export function requirementToString(requirement: LabelRequirement): string {
  const { key, operator } = requirement;
  const values = [...requirement.values].sort();
  switch (operator) {
    case 'exists':
      return key;
    case '!':
      return `!${key}`;
    case 'in':
      return `${key} in (${values.join(',')})`;
    case 'notin':
      return `${key} notin (${values.join(',')})`;
    case 'gt':
      return `${key}>${values.join(',')}`;
    case 'lt':
      return `${key}<${values.join(',')}`;
    default:
      return `${key}${operator}${values.join(',')}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Field selectors

export interface FieldRequirement {
  readonly field: string;
  /** `==` is parsed as `=`, as upstream does. */
  readonly operator: '=' | '!=';
  /** Unescaped value. */
  readonly value: string;
}

export interface FieldSelector {
  readonly kind: 'fields';
  readonly requirements: readonly FieldRequirement[];
}

/** Splits on commas that are not escaped; the escapes stay in the terms. */
function splitTerms(text: string): string[] {
  if (text.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

const TERM_OPERATORS = ['!=', '==', '='] as const;

/** The first operator in the term splits it: field names cannot contain escapes. */
function splitTerm(term: string): { lhs: string; op: (typeof TERM_OPERATORS)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeFieldValue(value: string): string {
  if (!/[\\,=]/.test(value)) return value;
  let out = '';
  let inSlash = false;
  for (const c of value) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw new SelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw new SelectorError(`invalid field selector: unescaped character in value: ${c}`);
    else out += c;
  }
  if (inSlash) throw new SelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Escapes `\`, `,` and `=` in a field selector value (fields.EscapeValue). */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * Parses the kubectl `--field-selector` / `?fieldSelector=` syntax: `a=b`, `a==b`, `a!=b`,
 * comma-separated, with `\,` `\=` `\\` escapes in values. Whitespace is significant, as upstream.
 * Empty terms are ignored, so "" selects everything.
 */
export function parseFieldSelector(text: string): FieldSelector {
  const terms = splitTerms(text).sort();
  const requirements: FieldRequirement[] = [];
  for (const term of terms) {
    if (term === '') continue;
    const split = splitTerm(term);
    if (!split) throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    const value = unescapeFieldValue(split.rhs);
    requirements.push({ field: split.lhs, operator: split.op === '!=' ? '!=' : '=', value });
  }
  return { kind: 'fields', requirements };
}

/** A field that is absent (or undefined) compares as the empty string. */
export function matchesFields(selector: FieldSelector, fields: Record<string, string | undefined>): boolean {
  return selector.requirements.every((r) => {
    const actual = (Object.hasOwn(fields, r.field) ? fields[r.field] : undefined) ?? '';
    return r.operator === '=' ? actual === r.value : actual !== r.value;
  });
}

/** The distinct field names a selector uses, in order, so a server can reject unsupported ones. */
export function fieldSelectorKeys(selector: FieldSelector): string[] {
  return [...new Set(selector.requirements.map((r) => r.field))];
}

// ---------------------------------------------------------------------------------------------

/**
 * Canonical text of a selector, as upstream's String(): requirements sorted by key, values
 * sorted, field values escaped. Both "everything" and "nothing" render as "".
 */
export function selectorToString(selector: LabelSelector | FieldSelector): string {
  switch (selector.kind) {
    case 'nothing':
      return '';
    case 'fields':
      return selector.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
    default:
      return selector.requirements.map(requirementToString).join(',');
  }
}

import { Evaluator, Lexer, Parser, data } from '@actions/expressions';

/** The contexts an expression may read (github, env, vars, secrets, inputs, needs, steps, job, runner, jobs...). */
export type Contexts = Record<string, unknown>;

/** Job/step status as the status functions see it. */
export interface Status {
  /** Something before this point failed (a previous step, or an ancestor job). */
  failed: boolean;
  cancelled: boolean;
  /** A needed job was skipped or cancelled: `success()` is false, `failure()` is not true for it. */
  blocked?: boolean;
}

const STATUS_FUNCTIONS = ['success', 'failure', 'always', 'cancelled'] as const;
const CONTEXT_NAMES = [
  'github',
  'env',
  'vars',
  'secrets',
  'inputs',
  'needs',
  'steps',
  'job',
  'jobs',
  'runner',
  'strategy',
  'matrix',
];

function statusFunctions(status: Status) {
  const fn = (name: string, value: () => boolean) =>
    [name, { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value()) }] as const;
  return new Map([
    fn('success', () => !status.failed && !status.blocked && !status.cancelled),
    fn('failure', () => status.failed && !status.cancelled),
    fn('always', () => true),
    fn('cancelled', () => status.cancelled),
  ]);
}

/** Evaluates one expression (without `${{ }}`) and returns the plain JS value. */
export function evaluate(
  expression: string,
  contexts: Contexts,
  status: Status = { failed: false, cancelled: false },
): unknown {
  const lexed = new Lexer(expression).lex();
  const parser = new Parser(
    lexed.tokens,
    CONTEXT_NAMES,
    STATUS_FUNCTIONS.map((name) => ({ name, minArgs: 0, maxArgs: 0 })),
  );
  const tree = parser.parse();
  const context = JSON.parse(JSON.stringify(contexts ?? {}), data.reviver) as data.Dictionary;
  const result = new Evaluator(tree, context, statusFunctions(status)).evaluate();
  return JSON.parse(JSON.stringify(result, data.replacer) ?? 'null');
}

/** How the runner turns a value into text inside a string: objects as JSON, null as ''. */
export function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value, null, 2);
  return String(value);
}

/** Finds `${{ ... }}` spans, skipping `}}` inside single-quoted string literals. */
export function findExpressions(text: string): { start: number; end: number; expression: string }[] {
  const found: { start: number; end: number; expression: string }[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('${{', from);
    if (start < 0) return found;
    let i = start + 3;
    let quoted = false;
    for (; i < text.length - 1; i += 1) {
      if (text[i] === "'") quoted = !quoted;
      else if (!quoted && text[i] === '}' && text[i + 1] === '}') break;
    }
    if (i >= text.length - 1) throw new Error(`Unterminated expression: ${text.slice(start, start + 40)}`);
    found.push({ start, end: i + 2, expression: text.slice(start + 3, i).trim() });
    from = i + 2;
  }
}

/**
 * Evaluates a workflow value. A string that is exactly one `${{ }}` keeps the value's type
 * (so `with: x: ${{ fromJSON(...) }}` can be an object); otherwise the pieces are joined as text.
 */
export function interpolate(value: unknown, contexts: Contexts, status?: Status): unknown {
  if (typeof value !== 'string') return value;
  const spans = findExpressions(value);
  if (spans.length === 0) return value;
  const only = spans[0]!;
  if (spans.length === 1 && only.start === 0 && only.end === value.length)
    return evaluate(only.expression, contexts, status);
  let out = '';
  let last = 0;
  for (const span of spans) {
    out += value.slice(last, span.start) + stringify(evaluate(span.expression, contexts, status));
    last = span.end;
  }
  return out + value.slice(last);
}

/** `interpolate` that always yields text (env values, `with:` inputs, `run:` scripts). */
export function interpolateString(value: unknown, contexts: Contexts, status?: Status): string {
  return stringify(interpolate(value, contexts, status));
}

/** Evaluates every value of a map (env:, with:, outputs:). */
export function interpolateMap(map: unknown, contexts: Contexts, status?: Status): Record<string, string> {
  if (!map || typeof map !== 'object') return {};
  return Object.fromEntries(
    Object.entries(map as Record<string, unknown>).map(([key, value]) => [
      key,
      interpolateString(value, contexts, status),
    ]),
  );
}

/**
 * Evaluates an `if:` condition like the runner: `${{ }}` optional, and `success() &&` implied
 * unless the condition calls a status function itself.
 */
export function evaluateCondition(condition: unknown, contexts: Contexts, status: Status): boolean {
  const succeeded = !status.failed && !status.blocked && !status.cancelled;
  if (condition === undefined || condition === null || condition === '') return succeeded;
  if (typeof condition === 'boolean') return condition && succeeded;
  let text = String(condition).trim();
  const spans = findExpressions(text);
  if (spans.length === 1 && spans[0]!.start === 0 && spans[0]!.end === text.length)
    text = spans[0]!.expression;
  else if (spans.length > 0) return truthy(interpolate(text, contexts, status)) && succeeded;
  const usesStatus = /\b(success|failure|always|cancelled)\s*\(/i.test(text);
  const expression = usesStatus ? text : `success() && (${text})`;
  return truthy(evaluate(expression, contexts, status));
}

/** Evaluates every string inside a YAML value (matrix, `with:` of a call), keeping the values' types. */
export function interpolateDeep(value: unknown, contexts: Contexts, status?: Status): unknown {
  if (typeof value === 'string') return interpolate(value, contexts, status);
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, contexts, status));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateDeep(item, contexts, status)]),
    );
  return value;
}

/** Truthiness as GitHub's expressions define it. */
export function truthy(value: unknown): boolean {
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  return Boolean(value);
}

import { parse } from 'yaml';

export interface Check {
  name: string;
  path: string;
  method: string;
  /** Expected status; default: any 2xx. */
  status?: number;
  contains?: string;
  /** Dotted JSON path (`data.items.0.id`) whose value must equal `equals`. */
  json?: string;
  equals?: unknown;
  maxMs?: number;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];

/** Parses the `checks` YAML list; every problem is reported, by check number. */
export function parseChecks(text: string): { checks: Check[]; problems: string[] } {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = text.trim() ? parse(text) : [];
  } catch (error) {
    return { checks: [], problems: [`is not valid YAML: ${(error as Error).message.split('\n')[0]}`] };
  }
  if (!Array.isArray(doc)) return { checks: [], problems: ['must be a YAML list of checks'] };
  const checks: Check[] = [];
  doc.forEach((item: unknown, i) => {
    const where = `check #${i + 1}`;
    if (typeof item !== 'object' || item === null) return problems.push(`${where} must be a mapping`);
    const c = item as Record<string, unknown>;
    const path = String(c.path ?? '');
    if (!/^\/[^\s]*$/.test(path)) problems.push(`${where}: \`path\` must start with / and have no spaces`);
    const method = String(c.method ?? 'GET').toUpperCase();
    if (!METHODS.includes(method)) problems.push(`${where}: \`method\` must be one of ${METHODS.join(', ')}`);
    if (
      c.status !== undefined &&
      !(Number.isInteger(c.status) && (c.status as number) >= 100 && (c.status as number) <= 599)
    )
      problems.push(`${where}: \`status\` must be an HTTP status code`);
    if (c['max-ms'] !== undefined && !(Number.isInteger(c['max-ms']) && (c['max-ms'] as number) > 0))
      problems.push(`${where}: \`max-ms\` must be a positive whole number`);
    if ((c.json === undefined) !== (c.equals === undefined))
      problems.push(`${where}: \`json\` and \`equals\` go together`);
    checks.push({
      name: String(c.name ?? `${method} ${path}`),
      path,
      method,
      ...(c.status !== undefined ? { status: c.status as number } : {}),
      ...(c.contains !== undefined ? { contains: String(c.contains) } : {}),
      ...(c.json !== undefined ? { json: String(c.json), equals: c.equals } : {}),
      ...(c['max-ms'] !== undefined ? { maxMs: c['max-ms'] as number } : {}),
    });
  });
  return { checks, problems };
}

/** The version check: `GET <version-path>` must report `{"version": expected}`. */
export function versionCheck(versionPath: string, expected: string): Check {
  return {
    name: `version is ${expected}`,
    path: versionPath,
    method: 'GET',
    json: 'version',
    equals: expected,
  };
}

/** Gives every check without its own `max-ms` the budget `maxMs` (0: no budget). */
export function withLatencyBudget(checks: Check[], maxMs: number): Check[] {
  return maxMs > 0 ? checks.map((c) => ({ maxMs, ...c })) : checks;
}

export interface Answer {
  status: number;
  body: string;
  ms: number;
}

/** Why an answer fails a check; undefined when it passes. */
export function evaluate(check: Check, answer: Answer): string | undefined {
  if (
    check.status !== undefined ? answer.status !== check.status : answer.status < 200 || answer.status > 299
  ) {
    return `status ${answer.status}, expected ${check.status ?? '2xx'}`;
  }
  if (check.contains !== undefined && !answer.body.includes(check.contains))
    return `body does not contain ${JSON.stringify(check.contains)}`;
  if (check.json !== undefined) {
    let value: unknown;
    try {
      value = jsonPath(JSON.parse(answer.body), check.json);
    } catch {
      return 'body is not JSON';
    }
    if (JSON.stringify(value) !== JSON.stringify(check.equals)) {
      return `${check.json} is ${JSON.stringify(value) ?? 'missing'}, expected ${JSON.stringify(check.equals)}`;
    }
  }
  if (check.maxMs !== undefined && answer.ms > check.maxMs)
    return `took ${Math.round(answer.ms)} ms, more than max-ms ${check.maxMs}`;
  return undefined;
}

export function jsonPath(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.').filter(Boolean)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** `Name: value` lines into headers; problems name the line, never the value. */
export function parseHeaders(text: string): { headers: Record<string, string>; problems: string[] } {
  const headers: Record<string, string> = {};
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const match = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+):\s*(.*)$/.exec(line.trim());
    if (!match) problems.push(`line ${i + 1} must look like \`Name: value\``);
    else headers[match[1]!] = match[2]!;
  });
  return { headers, problems };
}

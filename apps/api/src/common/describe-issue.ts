import type { z } from 'zod';

/**
 * One zod issue as "<path>: <what was expected>". Built from the rule, never from the input,
 * because inputs may be secrets (environment) or large (request bodies).
 */
export function describeIssue(issue: z.core.$ZodIssue, root: string, input: unknown): string {
  const name = issue.path.join('.') || root;
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) return `${name}: required`;
  return `${name}: ${expectation(issue)}`;
}

function expectation(issue: z.core.$ZodIssue): string {
  const unit = (origin: string) => (origin === 'string' ? ' characters' : '');
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_small':
      return `expected at least ${issue.minimum}${unit(issue.origin)}`;
    case 'too_big':
      return `expected at most ${issue.maximum}${unit(issue.origin)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}`;
    default:
      // Custom messages (regex, refine) and zod's remaining messages describe the rule.
      return issue.message;
  }
}

// zod leaves the input out of issues (it may be a secret), so look up whether the field was there.
function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

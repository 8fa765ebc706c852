import { describe, expect, it } from 'vitest';
import { evaluateCondition, findExpressions, interpolate, interpolateString } from '../src/expressions';
import { parseFileCommand } from '../src/file-commands';

const contexts = {
  github: { ref: 'refs/heads/develop', event_name: 'push' },
  inputs: { version: '1.2.3', dry: false },
  steps: { smoke: { outputs: { passed: 'false' }, outcome: 'failure' } },
  vars: { SCAN: 'offline' },
};
const ok = { failed: false, cancelled: false };
const failed = { failed: true, cancelled: false };

describe('expressions', () => {
  it('interpolates text and keeps the type of a whole-value expression', () => {
    expect(interpolateString('v${{ inputs.version }}-${{ github.event_name }}', contexts)).toBe(
      'v1.2.3-push',
    );
    expect(interpolate('${{ inputs.dry }}', contexts)).toBe(false);
    expect(interpolate('${{ fromJSON(\'{"a":[1,2]}\') }}', contexts)).toEqual({ a: [1, 2] });
    expect(interpolateString("${{ format('{0}}}', 'x') }}", contexts)).toBe('x}');
    expect(interpolateString('${{ vars.MISSING }}', contexts)).toBe('');
    expect(
      interpolateString("${{ startsWith(github.ref, 'refs/heads/') && 'branch' || 'tag' }}", contexts),
    ).toBe('branch');
  });

  it('finds expressions, skipping }} inside string literals', () => {
    expect(findExpressions("a ${{ 'x}}y' }} b ${{ c }}").map((e) => e.expression)).toEqual(["'x}}y'", 'c']);
    expect(() => findExpressions('${{ open')).toThrow(/Unterminated/);
  });

  it('evaluates if: with an implied success() and the status functions', () => {
    expect(evaluateCondition(undefined, contexts, ok)).toBe(true);
    expect(evaluateCondition(undefined, contexts, failed)).toBe(false);
    expect(evaluateCondition("github.ref == 'refs/heads/develop'", contexts, ok)).toBe(true);
    expect(evaluateCondition("github.ref == 'refs/heads/develop'", contexts, failed)).toBe(false);
    expect(evaluateCondition('${{ failure() }}', contexts, failed)).toBe(true);
    expect(evaluateCondition('failure()', contexts, ok)).toBe(false);
    expect(evaluateCondition("always() && steps.smoke.outcome == 'failure'", contexts, failed)).toBe(true);
    expect(evaluateCondition("failure() && steps.smoke.outputs.passed == 'false'", contexts, failed)).toBe(
      true,
    );
    expect(evaluateCondition('cancelled()', contexts, { failed: false, cancelled: true })).toBe(true);
    expect(evaluateCondition("vars.SCAN != 'offline'", contexts, ok)).toBe(false);
  });
});

describe('file commands', () => {
  it('parses name=value lines and heredocs, and rejects malformed lines and open heredocs', () => {
    expect(parseFileCommand('a=1\nb<<EOF\nx\ny=z\nEOF\nc==2\n')).toEqual({ a: '1', b: 'x\ny=z', c: '=2' });
    expect(() => parseFileCommand('garbage\n')).toThrow(/Invalid file-command line/);
    expect(() => parseFileCommand('a<<END\nnever closed\n')).toThrow(/delimiter not found/);
  });
});

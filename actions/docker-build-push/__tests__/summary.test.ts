import { describe, expect, it } from 'vitest';
import { sizeVersusBudget } from '../src/summary';

describe('the build summary', () => {
  it('shows the size against the budget', () => {
    expect(sizeVersusBudget(5_000_000, 10_000_000)).toContain('(50%) ✅');
    expect(sizeVersusBudget(11_000_000, 10_000_000)).toContain('over budget');
    expect(sizeVersusBudget(1024, 0)).toBe('1.0 KiB (no budget)');
  });
});

import { BadRequestException, InternalServerErrorException, NotFoundException } from '@nestjs/common';
import type { Request } from 'express';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SENTRY_CLI_VERSION } from '../../../actions/lib/sentry/cli-package';
import { isServerError, userIdOf } from '../src/observability/sentry-exception.filter';

describe('what the API reports to Sentry', () => {
  it('server errors: unexpected exceptions and 5xx, not 4xx', () => {
    expect(isServerError(new Error('boom'))).toBe(true);
    expect(isServerError(new InternalServerErrorException())).toBe(true);
    expect(isServerError(new NotFoundException())).toBe(false);
    expect(isServerError(new BadRequestException())).toBe(false);
  });

  it('the user id only: the JWT subject (or id) where authentication puts the user', () => {
    const req = (user: unknown) => ({ user }) as unknown as Request;
    expect(userIdOf(req({ sub: 'user-7', email: 'ada@example.com' }))).toBe('user-7');
    expect(userIdOf(req({ id: 12 }))).toBe('12');
    expect(userIdOf(req(undefined))).toBeUndefined();
    expect(userIdOf(req({ email: 'ada@example.com' }))).toBeUndefined();
  });
});

it('injects debug IDs with the sentry-cli the upload action pins (same IDs for the same build)', () => {
  const api = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  expect(api.devDependencies['@sentry/cli']).toBe(SENTRY_CLI_VERSION);
});

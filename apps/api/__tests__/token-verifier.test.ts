// The bearer-token check against a real JWKS endpoint on 127.0.0.1 (test/jwks-server.ts).
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJwksServer, type JwksServer } from '../../../test/jwks-server';
import { KeySetUnavailableError, TokenVerifier } from '../src/auth/token-verifier';
import { freePort } from './support';

const PERMISSION = 'write:knowledge-sources';
let issuer: JwksServer;
let verifier: TokenVerifier;

beforeAll(async () => {
  issuer = await startJwksServer();
  verifier = new TokenVerifier({ issuer: issuer.issuer, audience: issuer.audience, permission: PERMISSION });
});
afterAll(() => issuer?.close());

const bearer = (token: string) => `Bearer ${token}`;

describe('TokenVerifier', () => {
  it('accepts a token with the permission (RBAC list or scope), from the key set at <issuer>.well-known/jwks.json', async () => {
    expect(await verifier.check(bearer(await issuer.sign({ permissions: [PERMISSION] })))).toEqual({
      ok: true,
      subject: 'auth0|test-user',
    });
    expect((await verifier.check(bearer(await issuer.sign({ scope: `openid ${PERMISSION}` })))).ok).toBe(
      true,
    );
    expect(issuer.fetches()).toBe(1); // cached
  });

  it('says missing when no credentials are sent', async () => {
    for (const header of [undefined, '', '  '])
      expect(await verifier.check(header)).toEqual({ ok: false, reason: 'missing' });
  });

  it('says expired for an expired token', async () => {
    const token = await issuer.sign(
      { permissions: [PERMISSION] },
      { expiresIn: Math.floor(Date.now() / 1000) - 60 },
    );
    expect(await verifier.check(bearer(token))).toEqual({ ok: false, reason: 'expired' });
  });

  it('says forbidden for a valid token without the permission', async () => {
    for (const claims of [
      {},
      { permissions: ['read:knowledge-sources'] },
      { scope: 'write:knowledge-sources-x' },
    ])
      expect(await verifier.check(bearer(await issuer.sign(claims)))).toEqual({
        ok: false,
        reason: 'forbidden',
      });
  });

  it('says invalid for forged, foreign, unsigned or malformed tokens', async () => {
    const good = { permissions: [PERMISSION] };
    const hs256 = await new SignJWT({ ...good, iss: issuer.issuer, aud: issuer.audience, sub: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a shared secret anyone could guess'));
    const [header, payload] = (await issuer.sign(good)).split('.');
    const cases = {
      'signed with another key': bearer(await issuer.sign(good, { forged: true })),
      'another audience': bearer(await issuer.sign({ ...good, aud: 'https://other.example' })),
      'another issuer': bearer(await issuer.sign({ ...good, iss: 'https://evil.example/' })),
      'no subject': bearer(await issuer.sign({ ...good, sub: undefined })),
      HS256: bearer(hs256),
      'alg none': bearer(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`),
      'signature removed': bearer(`${header}.${payload}.`),
      'not a JWT': bearer('abc'),
      'Basic credentials': 'Basic dXNlcjpwYXNz',
      'empty bearer': 'Bearer ',
    };
    for (const [name, value] of Object.entries(cases))
      expect(await verifier.check(value), name).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses every token when no issuer is configured', async () => {
    const closed = new TokenVerifier({ permission: PERMISSION });
    expect(closed.configured).toBe(false);
    expect(await closed.check(bearer(await issuer.sign({ permissions: [PERMISSION] })))).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('throws KeySetUnavailableError (a server problem, not the client) when the key set cannot be fetched', async () => {
    const down = new TokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUrl: `http://127.0.0.1:${await freePort()}/.well-known/jwks.json`,
      permission: PERMISSION,
    });
    await expect(down.check(bearer(await issuer.sign({ permissions: [PERMISSION] })))).rejects.toBeInstanceOf(
      KeySetUnavailableError,
    );
  });
});

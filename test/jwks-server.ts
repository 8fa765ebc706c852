// An issuer's JWKS endpoint for tests, as Auth0 serves it (GET <issuer>.well-known/jwks.json, the
// public keys as a JSON Web Key Set, `application/json`), on 127.0.0.1, and a signer for tokens
// with the key it publishes (or with a key it does not publish, to forge one).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

export interface JwksServer {
  /** The issuer (`iss`), ending with `/` as Auth0's does. */
  issuer: string;
  /** `<issuer>.well-known/jwks.json` */
  jwksUrl: string;
  audience: string;
  /** How many times the key set was fetched. */
  fetches: () => number;
  /** A token signed with the published key (RS256); claims override the defaults (iss, aud, sub, exp in 5 min). */
  sign: (claims?: JWTPayload, options?: { forged?: boolean; expiresIn?: string | number }) => Promise<string>;
  close: () => Promise<void>;
}

export const TEST_AUDIENCE = 'https://api.contextai.test';

export async function startJwksServer(audience = TEST_AUDIENCE): Promise<JwksServer> {
  const published = await generateKeyPair('RS256', { extractable: true });
  const unpublished = await generateKeyPair('RS256', { extractable: true });
  const kid = 'test-key-1';
  const jwks = JSON.stringify({
    keys: [{ ...(await exportJWK(published.publicKey)), kid, alg: 'RS256', use: 'sig' }],
  });
  let fetches = 0;
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/.well-known/jwks.json') {
      res.writeHead(req.method === 'GET' ? 404 : 405).end();
      return;
    }
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const sign = async (
    claims: JWTPayload = {},
    options: { forged?: boolean; expiresIn?: string | number } = {},
  ) => {
    const key: CryptoKey = options.forged ? unpublished.privateKey : published.privateKey;
    return new SignJWT({ iss: issuer, aud: audience, sub: 'auth0|test-user', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(key);
  };
  return {
    issuer,
    jwksUrl: `${issuer}.well-known/jwks.json`,
    audience,
    fetches: () => fetches,
    sign,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

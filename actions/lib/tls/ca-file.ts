// The `ca-file` input of the actions that talk HTTPS to the edge (edge-deploy's check, the smoke
// test): extra CA certificates to trust besides the system's, e.g. a staging CA.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Inputs } from '../action/inputs';

/** The `ca-file` PEM (a path on the runner, relative to the workspace), checked to hold a certificate. */
export function readCaFile(inputs: Inputs, workspace: string): string | undefined {
  const path = inputs.raw('ca-file');
  if (!path) return undefined;
  let pem: string;
  try {
    pem = readFileSync(resolve(workspace, path), 'utf8');
  } catch (error) {
    inputs.problem('ca-file', `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  try {
    new X509Certificate(pem);
    return pem;
  } catch {
    inputs.problem('ca-file', 'holds no PEM certificate');
    return undefined;
  }
}

// Shared setup of the deploy-ssh and rollback integration tests (and scripts/bench/deploy):
// a deploy root owned by the deploy user, a site on the stack's nginx, and the action inputs.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { addNginxSite } from './deploy-load';
import { freePort } from './net';

export interface DeployFixture {
  root: string;
  app: string;
  siteUrl: string;
  /** Inputs every deploy/rollback run of the fixture shares. */
  inputs: Record<string, string>;
  cleanup(): void;
}

export async function deployFixture(
  stack: Record<string, string>,
  name: string,
  ports: string,
): Promise<DeployFixture> {
  const root = join(stack.STACK_DIR!, name);
  // Unique per run: container names `<app>-<version>` share the stack's container storage.
  const app = `${name}-${process.pid}`;
  execFileSync('rm', ['-rf', root]);
  execFileSync('install', ['-d', '-o', stack.STACK_SSH_USER!, '-g', stack.STACK_SSH_USER!, root]);
  const port = await freePort();
  const removeSite = addNginxSite(stack, name, port, root, app);
  const inputs = {
    hosts: `${stack.STACK_SSH_HOST}:${stack.STACK_SSH_PORT}`,
    user: stack.STACK_SSH_USER!,
    'private-key': readFileSync(stack.STACK_SSH_KEY!, 'utf8'),
    'known-hosts': readFileSync(stack.STACK_SSH_KNOWN_HOSTS!, 'utf8'),
    app,
    engine: stack.STACK_DEPLOY_ENGINE!,
    network: 'host',
    'run-args': '--ulimit nofile=1024:1024 --ulimit nproc=1024:1024',
    root,
    ports,
    'proxy-reload': stack.STACK_NGINX_RELOAD!,
    'proxy-test': stack.STACK_NGINX_TEST!,
    'health-timeout': '20s',
    drain: '2s',
  };
  return {
    root,
    app,
    siteUrl: `http://127.0.0.1:${port}`,
    inputs,
    cleanup: () => {
      removeSite();
      const engine = stack.STACK_PODMAN!.split(/\s+/);
      const podman = (...args: string[]) =>
        execFileSync(engine[0]!, [...engine.slice(1), ...args], { encoding: 'utf8' });
      const names = podman('ps', '-a', '--filter', `label=contextai.app=${app}`, '--format', '{{.Names}}')
        .split('\n')
        .filter(Boolean);
      if (names.length > 0) podman('rm', '-f', ...names);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

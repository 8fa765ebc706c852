// The real API image deployed by deploy-ssh into the stack's deploy root, scraped by the stack's
// Prometheus (job `apps`, file_sd from <deploy root>/metrics-targets/*.json): up == 1 for the live
// slot, the business counters move, a second deploy moves the scrape to the new slot, and every
// dashboard panel has series after traffic. Registered by images.int.test.ts, which builds the
// image (one build shared: image builds take minutes on 2 cores).
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../actions/lib/system/exec';
import { addNginxSite } from '../../../test/deploy-load';
import { freePort } from '../../../test/net';
import { startJwksServer, type JwksServer } from '../../../test/jwks-server';
import { activeTargets, promQuery, promScalar, until } from '../../../test/prometheus';
import { runAction } from '../../../test/run-action';
import { emptyPanels, fromApps } from '../../monitoring/__tests__/panel-check';
import { GLOBAL_PREFIX } from '../src/http/prefix';

export interface ScrapedDeployContext {
  stack: Record<string, string>;
  /** The API image built by the file (a digest reference in the stack's registry). */
  image: string;
  /** A migrated database. */
  databaseUrl: string;
}

export function describeScrapedDeploy(context: () => ScrapedDeployContext): void {
  describe('the api image deployed by deploy-ssh, scraped by the stack Prometheus', () => {
    const app = `scrape-api-${process.pid}`;
    const prefix = `/${GLOBAL_PREFIX}`;
    const versions = [1, 2].map((n) => `sha-${randomBytes(3).toString('hex')}${n}`);
    const started = Date.now();
    let cleanup: (() => Promise<void>) | undefined;
    let site = '';
    let deploy: (version: string) => ReturnType<typeof runAction>;
    let ctx: ScrapedDeployContext;
    let prom = '';
    let env = '';
    let issuer: JwksServer | undefined;
    // Writes need a token with the permission (JWT checked against the issuer's JWKS).
    const writeHeaders = async () => ({
      'content-type': 'application/json',
      authorization: `Bearer ${await issuer!.sign({ permissions: ['write:knowledge-sources'] })}`,
    });
    const targetFile = () => join(ctx.stack.STACK_DEPLOY_ROOT!, 'metrics-targets', `${app}.json`);
    const inspect = async (version: string, format: string) => {
      const engine = ctx.stack.STACK_PODMAN!.split(/\s+/);
      return (
        await runCommand([...engine, 'inspect', '--format', format, `${app}-${version}`])
      ).stdout.trim();
    };
    const liveTarget = async () => (await activeTargets(prom, 'apps')).filter((t) => t.labels.app === app);

    afterAll(async () => {
      await cleanup?.();
      await issuer?.close();
    });

    it('publishes the live slot: Prometheus has up == 1 for it and the business counters move', async () => {
      ctx = context();
      const { stack } = ctx;
      prom = stack.STACK_PROMETHEUS_URL!;
      env = stack.STACK_MONITORING_ENV!;
      const [sitePort, p1, p2, m1, m2] = await Promise.all([1, 2, 3, 4, 5].map(() => freePort()));
      const root = stack.STACK_DEPLOY_ROOT!;
      const removeSite = addNginxSite(stack, app, sitePort!, root, app);
      site = `http://127.0.0.1:${sitePort}`;
      issuer = await startJwksServer();
      cleanup = async () => {
        rmSync(targetFile(), { force: true }); // first: Prometheus must not scrape what stops now
        removeSite();
        const engine = stack.STACK_PODMAN!.split(/\s+/);
        const listed = await runCommand(
          [...engine, 'ps', '-a', '--filter', `label=contextai.app=${app}`, '--format', '{{.Names}}'],
          { allowFailure: true },
        );
        const names = listed.stdout.split('\n').filter(Boolean);
        if (names.length > 0) await runCommand([...engine, 'rm', '-f', ...names], { allowFailure: true });
        rmSync(join(root, app), { recursive: true, force: true });
      };
      deploy = (version) =>
        runAction(
          'deploy-ssh',
          {
            hosts: `${stack.STACK_SSH_HOST}:${stack.STACK_SSH_PORT}`,
            user: stack.STACK_SSH_USER!,
            'private-key': readFileSync(stack.STACK_SSH_KEY!, 'utf8'),
            'known-hosts': readFileSync(stack.STACK_SSH_KNOWN_HOSTS!, 'utf8'),
            app,
            image: ctx.image,
            version,
            env: [
              `DATABASE_URL=${ctx.databaseUrl}`,
              `REDIS_URL=${stack.STACK_REDIS_URL}`,
              `APP_ENV=${env}`,
              `AUTH_ISSUER=${issuer!.issuer}`,
              `AUTH_AUDIENCE=${issuer!.audience}`,
              '',
            ].join('\n'),
            engine: stack.STACK_DEPLOY_ENGINE!,
            network: 'host',
            'run-args': '--ulimit nofile=1024:1024 --ulimit nproc=1024:1024',
            root,
            ports: `${p1},${p2}`,
            'metrics-ports': `${m1},${m2}`,
            'metrics-env': env,
            'log-max-size': '5m',
            'health-path': `${prefix}/health/ready`, // as deploy.yml
            'health-timeout': '90s',
            drain: '1s',
            'proxy-reload': stack.STACK_NGINX_RELOAD!,
            'proxy-test': stack.STACK_NGINX_TEST!,
          },
          { timeoutMs: 240_000 },
        );

      const first = await deploy(versions[0]!);
      expect(first.code, first.stdout.slice(-3000)).toBe(0);
      const published = JSON.parse(readFileSync(targetFile(), 'utf8')) as unknown;
      const labels = { app, env, version: versions[0], slot: 'blue' };
      expect(published).toEqual([{ targets: [`127.0.0.1:${m1}`], labels }]);
      // podman runs json-file as its k8s-file (inspect keeps the name) and keeps max-size
      expect(
        await inspect(versions[0]!, '{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Size}}'),
      ).toBe('json-file 5MB');

      await until(
        'Prometheus to scrape the live slot',
        async () => (await liveTarget())[0]?.health === 'up',
        90_000,
      );
      expect((await liveTarget()).map((t) => t.labels)).toEqual([
        expect.objectContaining({ job: 'apps', instance: `127.0.0.1:${m1}`, ...labels }),
      ]);
      const up = await promQuery(prom, `up{job="apps",app="${app}"} == 1`);
      expect(up.result.map((r) => r.metric.slot)).toEqual(['blue']);

      const created = `sum(knowledge_sources_created_total{job="apps",app="${app}",sector="scrape"})`;
      const listed = `sum(knowledge_source_listings_total{job="apps",app="${app}",sector="scrape"})`;
      const before = { created: await promScalar(prom, created), listed: await promScalar(prom, listed) };
      const post = await fetch(`${site}${prefix}/sectors/scrape/knowledge-sources`, {
        method: 'POST',
        headers: await writeHeaders(),
        body: JSON.stringify({ title: 'Scraped', kind: 'faq' }),
      });
      expect(post.status).toBe(201);
      for (let i = 0; i < 3; i++)
        expect((await fetch(`${site}${prefix}/sectors/scrape/knowledge-sources`)).status).toBe(200);
      await until(
        'the counters to move in Prometheus',
        async () =>
          (await promScalar(prom, created)) === before.created + 1 &&
          (await promScalar(prom, listed)) === before.listed + 3,
        60_000,
      );
    }, 420_000);

    it('after a second deploy it scrapes the new slot and not the old one', async () => {
      const second = await deploy(versions[1]!);
      expect(second.code, second.stdout.slice(-3000)).toBe(0);
      const labels = { app, env, version: versions[1], slot: 'green' };
      const published = JSON.parse(readFileSync(targetFile(), 'utf8')) as [{ targets: string[] }];
      expect(published[0]).toMatchObject({ labels });
      expect(await inspect(versions[0]!, '{{.State.Running}}')).toBe('false');

      await until(
        'Prometheus to scrape the new slot only',
        async () => {
          const targets = await liveTarget();
          return targets.length === 1 && targets[0]!.labels.slot === 'green' && targets[0]!.health === 'up';
        },
        90_000,
      );
      expect((await liveTarget())[0]!.labels).toMatchObject({ instance: published[0].targets[0], ...labels });
      // the old slot's series ended (staleness marker) instead of reporting a stopped target as down
      await until('the old slot to leave up{}', async () => {
        const up = await promQuery(prom, `up{job="apps",app="${app}"}`);
        return up.result.length === 1 && up.result[0]!.metric.slot === 'green';
      });
      expect((await promQuery(prom, `up{job="apps",app="${app}"} == 1`)).series).toBe(1);
    }, 300_000);

    it('every dashboard panel of the apps has series after traffic through the edge', async () => {
      const total = `sum(http_requests_total{job="apps",app="${app}"})`;
      const before = await promScalar(prom, total);
      // A create and a delete on the live slot: the business panels' counters are born on their first
      // increment, and `increase()` needs two scrapes of them on this slot.
      const created = await fetch(`${site}${prefix}/sectors/scrape/knowledge-sources`, {
        method: 'POST',
        headers: await writeHeaders(),
        body: JSON.stringify({ title: 'Dashboards', kind: 'faq' }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      expect(
        (
          await fetch(`${site}${prefix}/sectors/scrape/knowledge-sources/${id}`, {
            method: 'DELETE',
            headers: await writeHeaders(),
          })
        ).status,
      ).toBe(204);
      for (let i = 0; i < 20; i++)
        for (const path of ['/health', '/sectors', '/sectors/scrape/knowledge-sources', '/no-such-route'])
          await fetch(`${site}${prefix}${path}`);
      await until(
        'the requests to be scraped',
        async () => (await promScalar(prom, total)) >= before + 80,
        60_000,
      );
      // rates need two scrapes and the SLO recordings a rule evaluation after them (15 s each)
      const values = { env, app, instance: '.*' };
      let empty: string[] = [];
      await until(
        'every app panel to have series',
        async () => (empty = await emptyPanels(prom, values, fromApps, started)).length === 0,
        90_000,
      ).catch(() => undefined);
      expect(empty).toEqual([]);
    }, 240_000);
  });
}

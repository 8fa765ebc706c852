// scripts/bench/api: the API under autocannon through the real edge, before/after and telemetry
// on/off side by side (see the wrapper for what each column is). Latency percentiles are exact,
// from the response time of every 2xx answer; `served` counts 2xx answers only; `failed` = errors +
// timeouts + non-2xx answers.
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDatabase, seedSources, waitForHttp, withClient } from '../../apps/api/__tests__/support';
import { migrate, readMigrations } from '../../apps/api/src/migrations/migrator';
import { startEdge, writeSelfSigned, type Edge } from '../../test/fixtures/proxy/edge';
import { freePort } from '../../test/net';
import { REPO_ROOT, stackEnv } from '../../test/stack-env';

const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
// Saturation runs are repeated this many times, every variant once per round in a rotating order;
// the table shows each variant's median round, the on/off shares the median of the per-round shares.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BEFORE = process.env.BENCH_BEFORE ?? '8f65d5d'; // main before the read cache (issue 18)
const DOMAIN = 'bench.contextai.test';
const WORK = resolve(REPO_ROOT, '.bench/api');
const stack = stackEnv();

type Variant =
  | 'before'
  | 'after'
  | 'after, traces 10 %'
  | 'after, traces 0 %'
  | 'after, no tracing'
  | 'after, telemetry off';
interface Scenario {
  name: string;
  path: string;
  rate?: number;
}
interface Outcome {
  served: number;
  failed: number;
  p50: number;
  p95: number;
  p99: number;
}

function run(argv: string[], cwd = REPO_ROOT): void {
  execFileSync(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The API of BENCH_BEFORE, built beside this checkout (its node_modules resolve from the root). */
function buildBefore(): string {
  const dir = resolve(WORK, 'before');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = execFileSync(
    'git',
    // Sources only: a copy of the tests here would be collected by vitest.
    [
      'archive',
      BEFORE,
      ...['src', 'migrations', 'package.json', 'tsconfig.json', 'tsconfig.build.json'].map(
        (f) => `apps/api/${f}`,
      ),
    ],
    {
      cwd: REPO_ROOT,
      maxBuffer: 1 << 28,
    },
  );
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  installMissingDependencies(dir, resolve(dir, 'apps/api/package.json'));
  run(['npx', 'tsc', '-p', resolve(dir, 'apps/api/tsconfig.build.json')]);
  return resolve(dir, 'apps/api');
}

/**
 * Dependencies of the old API that this checkout no longer installs (e.g. an instrumentation since
 * dropped), installed into `<dir>/node_modules`, which the old API resolves before the root's.
 */
function installMissingDependencies(dir: string, packageJson: string): void {
  const { dependencies = {} } = JSON.parse(readFileSync(packageJson, 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const missing = Object.entries(dependencies)
    .filter(
      ([name]) => !name.startsWith('@contextai/') && !existsSync(resolve(REPO_ROOT, 'node_modules', name)),
    )
    .map(([name, range]) => `${name}@${range}`);
  if (missing.length === 0) return;
  console.log(`before: installing what this checkout no longer has: ${missing.join(' ')}`);
  // Peers (@opentelemetry/api, ...) come from the root, as for every other package the old API uses.
  run([
    'npm',
    'install',
    '--no-save',
    '--no-package-lock',
    '--legacy-peer-deps',
    '--ignore-scripts',
    '--prefix',
    dir,
    ...missing,
  ]);
}

/** A sink for OTLP/HTTP exports: drains each request and answers an empty (valid) response. */
async function startOtlpSink(): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

async function startApi(apiDir: string, variant: Variant, databaseUrl: string, otlp: string) {
  const port = await freePort();
  // `after`: every request traced (the worst case); `after, traces 10 %`: production's default
  // sampler (also what `before` runs with); `after, no tracing`: logs and metrics only. All of them
  // log at info and serve metrics.
  const logsAndMetrics = { LOG_LEVEL: 'info', METRICS_PORT: String(await freePort()), APP_ENV: 'staging' };
  const tracing = (sampler: string, ratio = '1') => ({
    ...logsAndMetrics,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
    OTEL_TRACES_SAMPLER: sampler,
    OTEL_TRACES_SAMPLER_ARG: ratio,
  });
  const telemetry: Record<string, string> = {
    before: tracing('parentbased_traceidratio', '0.1'),
    after: tracing('always_on'),
    'after, traces 10 %': tracing('parentbased_traceidratio', '0.1'),
    // Tracing set up, nothing sampled: what tracing costs before a single span is exported.
    'after, traces 0 %': tracing('always_off'),
    'after, no tracing': logsAndMetrics,
    'after, telemetry off': { LOG_LEVEL: 'fatal' },
  }[variant];
  const log = openSync(resolve(WORK, `${variant.replace(/\W+/g, '-')}.log`), 'w');
  const child: ChildProcess = spawn('node', ['dist/main.js'], {
    cwd: apiDir,
    stdio: ['ignore', log, log],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL: `redis://127.0.0.1:${stack.STACK_REDIS_PORT}`,
      ...telemetry,
    },
  });
  closeSync(log);
  await waitForHttp(`http://127.0.0.1:${port}/api/version`).catch(() => undefined);
  // Until the switch to the `/api` prefix lands, an unprefixed API gets `/api` stripped at the edge.
  const prefixed = (await fetch(`http://127.0.0.1:${port}/api/version`).catch(() => undefined))?.ok ?? false;
  if (!prefixed) await waitForHttp(`http://127.0.0.1:${port}/version`, undefined, 5_000);
  return { port, prefixed, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    child.once('exit', () => ok());
    child.kill('SIGTERM');
  });
}

async function startBenchEdge(apiPort: number, prefixed: boolean): Promise<Edge> {
  const edge = await startEdge({
    domains: [DOMAIN],
    httpPort: await freePort(),
    httpsPort: await freePort(),
    webUpstreamPort: await freePort(), // nothing listens: the bench calls /api only
    apiUpstreamPort: apiPort,
    installCertificate: (certDir) => writeSelfSigned(certDir, [DOMAIN], 30),
    // The load comes from one address: exempt it, as a real load test's generator would be, or the
    // edge's per-client rate limit (20 r/s) answers 429 and the table measures nginx refusing.
    rateLimitExempt: ['127.0.0.1'],
  });
  if (!prefixed) {
    const conf = resolve(edge.dir, 'contextai.conf');
    writeFileSync(
      conf,
      readFileSync(conf, 'utf8').replace(/(location \/api\/ \{\s*proxy_pass http:\/\/\w+);/, '$1/;'),
    );
    run(edge.reloadCommand.split(' '));
    await sleep(500);
  }
  return edge;
}

async function load(edge: Edge, scenario: Scenario, seconds = DURATION): Promise<Outcome> {
  const times: number[] = [];
  let failed = 0;
  const result = await new Promise<autocannon.Result>((ok, fail) => {
    const instance = autocannon(
      {
        url: `https://127.0.0.1:${edge.httpsPort}${scenario.path}`,
        headers: { host: DOMAIN, 'accept-encoding': 'br, gzip' },
        servername: DOMAIN,
        tlsOptions: { rejectUnauthorized: false },
        connections: CONNECTIONS,
        duration: seconds,
        overallRate: scenario.rate,
        timeout: 10,
      },
      (error, done) => (error ? fail(error) : ok(done)),
    );
    // Only good answers count as served and in the percentiles: a fast refusal (429, 503) is not
    // throughput, and it would pull the latencies down.
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status <= 299) times.push(ms);
      else failed++;
    });
  });
  failed += result.errors + result.timeouts;
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return { served: times.length / seconds, failed, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const loadAvg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`load average at start: ${loadAvg()}`);
  run(['npm', 'run', 'build', '-w', 'apps/api']);
  const beforeDir = buildBefore();
  const db = await createDatabase('bench_api');
  const otlp = await startOtlpSink();
  try {
    const sample = await withClient(db.url, async (client) => {
      await migrate(client, readMigrations(resolve(REPO_ROOT, 'apps/api/migrations')));
      await seedSources(client, 200_000, 20);
      await client.query('VACUUM ANALYZE knowledge_sources');
      return (
        await client.query<{ id: string }>(
          "SELECT id FROM knowledge_sources WHERE sector = 'sector-07' LIMIT 1",
        )
      ).rows[0]!.id;
    });
    const scenarios: Scenario[] = [
      { name: 'overview, saturation', path: '/api/sectors' },
      { name: 'overview @ 500 rps', path: '/api/sectors', rate: 500 },
      { name: 'listing, saturation', path: '/api/sectors/sector-07/knowledge-sources?limit=20' },
      { name: 'listing @ 1000 rps', path: '/api/sectors/sector-07/knowledge-sources?limit=20', rate: 1000 },
      { name: 'single, saturation', path: `/api/sectors/sector-07/knowledge-sources/${sample}` },
      { name: 'single @ 1000 rps', path: `/api/sectors/sector-07/knowledge-sources/${sample}`, rate: 1000 },
      { name: 'version, saturation', path: '/api/version' },
    ];
    const variants: [Variant, string][] = [
      ['before', beforeDir],
      ['after', resolve(REPO_ROOT, 'apps/api')],
      ['after, traces 10 %', resolve(REPO_ROOT, 'apps/api')],
      ['after, traces 0 %', resolve(REPO_ROOT, 'apps/api')],
      ['after, no tracing', resolve(REPO_ROOT, 'apps/api')],
      ['after, telemetry off', resolve(REPO_ROOT, 'apps/api')],
    ];
    const results = new Map<string, Outcome[]>();
    let redisOutcome: (Outcome & { readyDuring: number }) | undefined;
    // All variants run side by side and take turns per scenario, so a change in the machine's
    // background load hits every column alike.
    const running: { variant: Variant; api: Awaited<ReturnType<typeof startApi>>; edge: Edge }[] = [];
    try {
      for (const [variant, dir] of variants) {
        const api = await startApi(dir, variant, db.url, otlp.url);
        running.push({ variant, api, edge: await startBenchEdge(api.port, api.prefixed) });
      }
      for (const scenario of scenarios) {
        const rounds = scenario.rate === undefined ? ROUNDS : 1;
        for (let round = 0; round < rounds; round++)
          for (const { variant, edge } of rotate(running, round)) {
            await load(edge, { ...scenario, rate: undefined, name: 'warm-up' }, 2);
            const key = `${variant}|${scenario.name}`;
            results.set(key, [...(results.get(key) ?? []), await load(edge, scenario)]);
            console.log(`  ${variant} | ${scenario.name} (${round + 1}/${rounds}): done (load ${loadAvg()})`);
          }
      }
      const after = running.find((r) => r.variant === 'after')!;
      redisOutcome = await redisStopped(after.edge, after.api.port, after.api.prefixed);
    } finally {
      for (const { api, edge } of running) {
        await edge.stop();
        await api.stop();
      }
    }
    printTable(
      scenarios,
      variants.map(([v]) => v),
      results,
    );
    if (redisOutcome)
      console.log(
        `\nRedis stopped 2 s into "overview @ 500 rps" (after): served ${redisOutcome.served.toFixed(0)} req/s, ` +
          `failed ${redisOutcome.failed}, P50 ${ms(redisOutcome.p50)}, P95 ${ms(redisOutcome.p95)}, P99 ${ms(redisOutcome.p99)}; ` +
          `readiness during the outage: HTTP ${redisOutcome.readyDuring}`,
      );
    console.log(`load average at end: ${loadAvg()}`);
  } finally {
    otlp.close();
    await db.drop();
  }
}

/** The overview at 500 rps while the stack's Redis is stopped, then started again. */
async function redisStopped(edge: Edge, apiPort: number, prefixed: boolean) {
  const stackScript = resolve(REPO_ROOT, 'scripts/stack');
  const running = load(edge, { name: 'redis stopped', path: '/api/sectors', rate: 500 });
  await sleep(2_000);
  run([stackScript, 'stop', 'redis']);
  await sleep(1_000);
  const ready = await fetch(`http://127.0.0.1:${apiPort}${prefixed ? '/api' : ''}/health/ready`);
  const outcome = await running;
  run([stackScript, 'up', 'redis']);
  return { ...outcome, readyDuring: ready.status };
}

const ms = (value: number) => `${Math.round(value)} ms`;

/** `items` starting at index `by` (wrapping): each round begins with another variant. */
const rotate = <T>(items: T[], by: number): T[] => items.map((_, i) => items[(i + by) % items.length]!);

/** The middle value (the lower middle of an even count). */
function median<T>(values: T[], key: (value: T) => number): T | undefined {
  const sorted = [...values].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function printTable(scenarios: Scenario[], variants: Variant[], results: Map<string, Outcome[]>): void {
  const cell = (o: Outcome | undefined) =>
    o
      ? `${o.served.toFixed(0)} req/s, P50 ${ms(o.p50)} P95 ${ms(o.p95)} P99 ${ms(o.p99)}, failed ${o.failed}`
      : '-';
  console.log(
    `\n${DURATION} s per run, ${CONNECTIONS} connections, HTTPS through nginx, 200,000 sources in 20 sectors; ` +
      `saturation: the median of ${ROUNDS} round(s)\n`,
  );
  console.log(`| scenario | ${variants.join(' | ')} |`);
  console.log(`|---|${variants.map(() => '---').join('|')}|`);
  for (const s of scenarios)
    console.log(
      `| ${s.name} | ${variants.map((v) => cell(median(results.get(`${v}|${s.name}`) ?? [], (o) => o.served))).join(' | ')} |`,
    );
  console.log(
    '\ntelemetry on / off throughput at saturation (every request traced; 10 % traced; tracing on, none sampled; logs and metrics only):',
  );
  for (const s of scenarios.filter((s) => s.rate === undefined)) {
    const off = results.get(`after, telemetry off|${s.name}`) ?? [];
    // Per round, so each share compares runs made minutes apart at most; then the median and range.
    const share = (v: Variant) => {
      const on = results.get(`${v}|${s.name}`) ?? [];
      const shares = on.slice(0, off.length).map((o, round) => (100 * o.served) / off[round]!.served);
      if (shares.length === 0) return '-';
      const range =
        shares.length > 1 ? ` (${Math.min(...shares).toFixed(0)}-${Math.max(...shares).toFixed(0)})` : '';
      return `${median(shares, (x) => x)!.toFixed(0)} %${range}`;
    };
    console.log(
      `  ${s.name}: ${share('after')}; ${share('after, traces 10 %')}; ${share('after, traces 0 %')}; ${share('after, no tracing')}`,
    );
  }
}

await main();

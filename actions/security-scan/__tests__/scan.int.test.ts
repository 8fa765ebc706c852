// Runs the bundled action as the runner does, with Trivy installed from a local HTTP server that
// serves a release-shaped archive (a fake `trivy` script printing a real report, see
// test/fixtures/trivy-release) and its checksums file. Trivy itself cannot run on these machines.
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../lib/system/exec';
import { REPO_ROOT, runAction } from '../../../test/run-action';

// A version without a sha256 pinned in the source: checked against its release's checksums file.
const VERSION = '0.69.2';
const PINNED_VERSION = '0.69.3'; // the default
const ARCHIVE = `trivy_${VERSION}_Linux-64bit.tar.gz`;
const CHECKSUMS = `trivy_${VERSION}_checksums.txt`;
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'trivy-reports');
const IMAGE = '127.0.0.1:5000/contextai/api@sha256:' + 'ab'.repeat(32);

let work: string;
let server: Server;
let baseUrl: string;
/** Requests per URL path, to tell a download from a cache hit. */
const requests = new Map<string, number>();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'security-scan-int-'));
  const pack = join(work, 'pack');
  mkdirSync(pack);
  copyFileSync(join(REPO_ROOT, 'test/fixtures/trivy-release/trivy'), join(pack, 'trivy'));
  writeFileSync(join(pack, 'LICENSE'), 'Apache-2.0 (stand-in)\n');
  const archivePath = join(work, ARCHIVE);
  await runCommand(['tar', '-czf', archivePath, '-C', pack, 'trivy', 'LICENSE']);
  const archive = readFileSync(archivePath);
  const sha = createHash('sha256').update(archive).digest('hex');
  const other = `${'0'.repeat(64)}  trivy_${VERSION}_Linux-ARM64.tar.gz\n`;

  // Three mirrors: a good one, one whose checksums file disagrees, one that lists no such archive.
  const files: Record<string, Buffer | string> = {
    // The default version from a mirror whose own checksums file vouches for a substituted archive.
    [`/good/v${PINNED_VERSION}/trivy_${PINNED_VERSION}_Linux-64bit.tar.gz`]: archive,
    [`/good/v${PINNED_VERSION}/trivy_${PINNED_VERSION}_checksums.txt`]: `${sha}  trivy_${PINNED_VERSION}_Linux-64bit.tar.gz\n`,
    [`/good/v${VERSION}/${ARCHIVE}`]: archive,
    [`/good/v${VERSION}/${CHECKSUMS}`]: `${other}${sha}  ${ARCHIVE}\n`,
    [`/bad/v${VERSION}/${ARCHIVE}`]: archive,
    [`/bad/v${VERSION}/${CHECKSUMS}`]: `${other}${sha.replace(/^./, (c) => (c === 'f' ? 'e' : 'f'))}  ${ARCHIVE}\n`,
    [`/missing/v${VERSION}/${ARCHIVE}`]: archive,
    [`/missing/v${VERSION}/${CHECKSUMS}`]: other,
  };
  server = createServer((req, res) => {
    const path = req.url ?? '';
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const body = files[path];
    if (body === undefined) return res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

const totalRequests = () => [...requests.values()].reduce((sum, n) => sum + n, 0);
const downloads = (mirror: string) =>
  [...requests.entries()]
    .filter(([path]) => path.startsWith(`/${mirror}/`))
    .reduce((sum, [, n]) => sum + n, 0);

/** A runner with its own tool cache and workspace; `report` is the real Trivy report the fake prints. */
function newRunner(name: string) {
  const root = join(work, name);
  const dirs = {
    toolCache: join(root, 'tool-cache'),
    workspace: join(root, 'workspace'),
    args: join(root, 'argv'),
  };
  mkdirSync(dirs.toolCache, { recursive: true });
  mkdirSync(dirs.workspace, { recursive: true });
  const scan = (report: string, inputs: Record<string, string> = {}, mirror = 'good') =>
    runAction(
      'security-scan',
      {
        'image-ref': IMAGE,
        'download-base-url': `${baseUrl}/${mirror}`,
        'trivy-version': VERSION,
        ...inputs,
      },
      {
        env: {
          RUNNER_TOOL_CACHE: dirs.toolCache,
          GITHUB_WORKSPACE: dirs.workspace,
          FAKE_TRIVY_REPORT: join(FIXTURES, report),
          FAKE_TRIVY_ARGS: dirs.args,
        },
      },
    );
  return { ...dirs, scan, argv: () => readFileSync(dirs.args, 'utf8').trim().split('\n') };
}

describe('security-scan install, cache and gate', () => {
  it('downloads and verifies Trivy once, then runs it from the tool cache', async () => {
    const runner = newRunner('cache');
    const first = await runner.scan('debian-buster.json');
    expect(downloads('good')).toBe(2); // checksums file + archive
    // Default gate CRITICAL,HIGH with ignore-unfixed: the fixed CRITICAL blocks, the unfixed LOW is left out.
    expect(first.code).toBe(1);
    expect(first.outputs).toMatchObject({ critical: '1', high: '0', medium: '0', low: '0', passed: 'false' });
    expect(first.stdout).toContain("matches the release's checksums file");
    expect(first.stdout).toMatch(/::warning::Trivy 0\.69\.2 has no sha256 pinned in the source/);
    expect(first.summary).toContain('CVE-2019-18224');
    expect(first.summary).toContain('2.0.5-1+deb10u1');
    expect(first.summary).toContain('downloaded, checksum verified');
    const sarifPath = first.outputs['sarif-file']!;
    expect(sarifPath).toBe(join(runner.workspace, 'trivy-results.sarif'));
    const sarif = JSON.parse(readFileSync(sarifPath, 'utf8'));
    expect(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toEqual(['CVE-2019-18224']);

    const cacheDir = join(runner.toolCache, 'trivy-cache');
    expect(runner.argv()).toEqual([
      'image',
      '--format',
      'json',
      '--output',
      expect.stringMatching(/trivy\.json$/),
      '--scanners',
      'vuln',
      '--cache-dir',
      cacheDir,
      IMAGE,
    ]);
    expect(existsSync(join(cacheDir, 'db', 'metadata.json'))).toBe(true);

    // Second run: same tool cache, no download; the DB is cached, so skip-db-update is allowed.
    const second = await runner.scan('alpine-310.json', { 'skip-db-update': 'true' });
    expect(downloads('good')).toBe(2);
    expect(second.code, second.stdout).toBe(0);
    expect(second.stdout).toContain('found in the tool cache');
    expect(second.summary).toContain('from the tool cache');
    expect(second.outputs).toMatchObject({ critical: '0', high: '0', medium: '4', low: '0', passed: 'true' });
    expect(runner.argv()).toContain('--skip-db-update');
  });

  it('refuses an archive whose checksum does not match, and caches nothing', async () => {
    const runner = newRunner('bad-checksum');
    const result = await runner.scan('debian-buster.json', {}, 'bad');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Checksum mismatch for trivy_0\.69\.2_Linux-64bit\.tar\.gz/);
    expect(existsSync(runner.args)).toBe(false); // the fake trivy never ran
    expect(readdirSync(runner.toolCache)).not.toContain('trivy');
    expect(result.outputs.passed).toBeUndefined();
  });

  it('checks the default version against the sha256 pinned in the source, not the release’s own checksums file', async () => {
    const runner = newRunner('pinned');
    const result = await runner.scan('debian-buster.json', { 'trivy-version': PINNED_VERSION });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /Checksum mismatch for trivy_0\.69\.3_Linux-64bit\.tar\.gz: the sha256 pinned in the source says sha256 1816b632/,
    );
    expect(requests.get(`/good/v${PINNED_VERSION}/trivy_${PINNED_VERSION}_checksums.txt`)).toBeUndefined();
    expect(existsSync(runner.args)).toBe(false);
    expect(readdirSync(runner.toolCache)).not.toContain('trivy');
  });

  it('refuses an archive the checksums file does not list', async () => {
    const runner = newRunner('missing-checksum');
    const result = await runner.scan('debian-buster.json', {}, 'missing');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/lists no trivy_0\.69\.2_Linux-64bit\.tar\.gz: refusing/);
    expect(existsSync(runner.args)).toBe(false);
  });

  it('stops before any download on bad inputs, a compromised version or a missing DB', async () => {
    const runner = newRunner('early');
    const before = totalRequests();
    const bad = await runner.scan('npm.json', {
      'trivy-version': '0.69.4',
      severity: 'SEVERE',
      'image-ref': '-rf /',
    });
    expect(bad.code).toBe(1);
    for (const name of ['trivy-version', 'severity', 'image-ref'])
      expect(bad.stdout).toContain(`\`${name}\``);
    expect(bad.stdout).toContain('replaced by malware');
    const noDb = await runner.scan('npm.json', { 'skip-db-update': 'true' });
    expect(noDb.code).toBe(1);
    expect(noDb.stdout).toContain('holds no vulnerability DB yet');
    expect(totalRequests()).toBe(before);
  });

  it('warns instead of failing when fail-on-findings is false', async () => {
    const runner = newRunner('warn');
    const result = await runner.scan('centos-7.json', {
      severity: 'MEDIUM,LOW',
      'fail-on-findings': 'false',
    });
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ medium: '1', low: '1', passed: 'false' });
    expect(result.stdout).toContain('::warning::');
  });

  it('reports the counts of every real report, computed from its JSON', async () => {
    const runner = newRunner('all');
    for (const report of readdirSync(FIXTURES).filter((name) => name.endsWith('.json'))) {
      const vulns = JSON.parse(readFileSync(join(FIXTURES, report), 'utf8')).Results.flatMap(
        (r: { Vulnerabilities?: { Severity: string }[] }) => r.Vulnerabilities ?? [],
      ) as { Severity: string }[];
      const count = (s: string) => String(vulns.filter((v) => v.Severity === s).length);
      const result = await runner.scan(report, {
        severity: 'CRITICAL,HIGH,MEDIUM,LOW',
        'ignore-unfixed': 'false',
      });
      expect(result.outputs, report).toMatchObject({
        critical: count('CRITICAL'),
        high: count('HIGH'),
        medium: count('MEDIUM'),
        low: count('LOW'),
        passed: String(vulns.length === 0),
      });
      expect(result.code, report).toBe(vulns.length === 0 ? 0 : 1);
    }
  });
});

// deploy-ssh against a PRIVATE registry: no registry credential outlives the pull on the host.
//
// The stack's registry has no auth, so this file starts its own docker-registry (the stack's binary)
// on a free 127.0.0.1 port, over TLS with a throwaway CA (trusted through
// /etc/containers/certs.d/127.0.0.1:<port>/ca.crt, removed afterwards) and htpasswd auth (bcrypt
// hashes from the system's crypt(3) through perl: no extra dependency). It has two users: `pusher`
// seeds one tiny busybox image (skopeo copy from the stack's registry, credentials in a temp
// authfile), `puller` is the one the deploy gets. docker-registry's htpasswd gives every
// authenticated user every right, so the pull-only scope itself is the real registry's business
// (e.g. a read:packages token); what this file proves is the host side:
//
// after a successful deploy, a deploy whose login is refused (wrong password) and a deploy whose
// pull fails (no such image), none of `~/.docker/config.json`, `~/.config/containers/auth.json`,
// `$XDG_RUNTIME_DIR/containers/auth.json` (/run/user/<uid>) or `/run/containers/<uid>/auth.json`
// holds this registry, for the deploy user nor for root (the engine runs as `sudo -n podman`);
// the per-run private directory (`/tmp/contextai-pull.*`, seen being created with inotify while the
// action runs, mode 0700, owned by the deploy user) is gone; and neither password appears in
// anything the action printed, its outputs or its summary. A directory left by a run killed
// mid-pull is swept by the next deploy once it is older than any pull can take.
//
//   /work/tools/inns <ns> bash -c 'scripts/stack up && npx vitest run --project integration registry-auth'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  watch,
  writeFileSync,
  type FSWatcher,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingPrinted, runAction, type ActionRun } from '../../../test/run-action';
import { buildTestImage, currentVersion } from '../../../test/deploy-load';
import { deployFixture, type DeployFixture } from '../../../test/deploy-fixture';
import { freePort, waitForPort } from '../../../test/net';
import { readStackEnv } from '../../../test/ssh-server';

const stack = readStackEnv();
const PULL_DIR_PREFIX = 'contextai-pull.';
const users = {
  pusher: `push-${randomBytes(12).toString('hex')}`,
  puller: `pull-${randomBytes(12).toString('hex')}`,
};
const passwords = {
  pusher: randomBytes(18).toString('base64url'),
  puller: randomBytes(18).toString('base64url'),
};
const WRONG_PASSWORD = `wrong-${randomBytes(12).toString('hex')}`;

let fx: DeployFixture;
let work: string;
let registry: ChildProcess;
let server: string; // 127.0.0.1:<port>
let certsDir: string;
let imageRef: string;
const pulledRefs: string[] = [];

const podman = (...args: string[]) => {
  const engine = stack.STACK_PODMAN!.split(/\s+/);
  return execFileSync(engine[0]!, [...engine.slice(1), ...args], { encoding: 'utf8', stdio: 'pipe' });
};

/** A bcrypt ($2b$) htpasswd line, hashed by crypt(3); the password goes through stdin, not argv. */
function htpasswdLine(user: string, password: string): string {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const salt = [...randomBytes(21)].map((b) => alphabet[b % 64]).join('') + '.'; // 22nd char: 2 bits, '.' = 0
  const hash = execFileSync('perl', ['-e', 'my $p = <STDIN>; print crypt($p, $ARGV[0])', `$2b$05$${salt}`], {
    input: password,
    encoding: 'utf8',
  });
  if (!hash.startsWith('$2b$05$')) throw new Error(`crypt(3) has no bcrypt here: got ${hash.slice(0, 7)}`);
  return `${user}:${hash}`;
}

/** A root CA and a leaf for IP 127.0.0.1, as files in `dir`. */
function makeCertificates(dir: string): void {
  const openssl = (args: string, ...more: string[]) =>
    execFileSync('openssl', [...args.split(' '), ...more], { cwd: dir, stdio: 'pipe' });
  const ec = '-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';
  openssl(`req -x509 ${ec} -keyout ca.key -out ca.crt -days 1 -subj`, '/CN=registry-auth test CA');
  openssl(`req ${ec} -keyout tls.key -out tls.csr -subj /CN=127.0.0.1`);
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -out tls.crt -days 1 -extfile ext');
}

async function startRegistry(): Promise<void> {
  makeCertificates(work);
  writeFileSync(
    join(work, 'htpasswd'),
    `${htpasswdLine(users.pusher, passwords.pusher)}\n${htpasswdLine(users.puller, passwords.puller)}\n`,
    { mode: 0o600 },
  );
  const port = await freePort();
  server = `127.0.0.1:${port}`;
  writeFileSync(
    join(work, 'config.yml'),
    [
      'version: 0.1',
      'log: {level: info}',
      `storage: {filesystem: {rootdirectory: ${join(work, 'data')}}}`,
      `auth: {htpasswd: {realm: registry-auth-test, path: ${join(work, 'htpasswd')}}}`,
      `http: {addr: "${server}", tls: {certificate: ${join(work, 'tls.crt')}, key: ${join(work, 'tls.key')}}}`,
      '',
    ].join('\n'),
  );
  registry = spawn('docker-registry', ['serve', join(work, 'config.yml')], { stdio: 'ignore' });
  await waitForPort(port, registry);
  // podman (as root through sudo) and skopeo trust the test CA for this host:port only.
  certsDir = join('/etc/containers/certs.d', server);
  mkdirSync(certsDir, { recursive: true });
  writeFileSync(join(certsDir, 'ca.crt'), readFileSync(join(work, 'ca.crt')));
}

/** Builds the tiny test image, copies it to the private registry as `pusher`, drops the local copy. */
function seedImage(): string {
  const built = buildTestImage(stack, `regauth/${process.pid}`, 'v1');
  const tag = `${stack.STACK_REGISTRY}/regauth/${process.pid}:v1`;
  const authfile = join(work, 'push-auth.json');
  const auth = Buffer.from(`${users.pusher}:${passwords.pusher}`).toString('base64');
  writeFileSync(authfile, JSON.stringify({ auths: { [server]: { auth } } }), { mode: 0o600 });
  const digestFile = join(work, 'digest');
  const repo = `${server}/regauth/app`;
  try {
    execFileSync('skopeo', [
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      '--dest-authfile',
      authfile,
      '--digestfile',
      digestFile,
      `docker://${built.ref}`,
      `docker://${repo}:v1`,
    ]);
  } finally {
    rmSync(authfile, { force: true });
    podman('image', 'rm', '--ignore', tag); // the host must really pull it
  }
  return `${repo}@${readFileSync(digestFile, 'utf8').trim()}`;
}

/** Every place podman or docker would keep a login, for the deploy user and for root. */
function credentialFiles(): string[] {
  const accounts = [
    { uid: 0, home: '/root' },
    {
      uid: Number(execFileSync('id', ['-u', stack.STACK_SSH_USER!], { encoding: 'utf8' })),
      home: homeOf(stack.STACK_SSH_USER!),
    },
  ];
  return accounts.flatMap(({ uid, home }) => [
    join(home, '.docker/config.json'),
    join(home, '.config/containers/auth.json'),
    `/run/user/${uid}/containers/auth.json`,
    `/run/containers/${uid}/auth.json`,
  ]);
}
const homeOf = (user: string) =>
  execFileSync('getent', ['passwd', user], { encoding: 'utf8' }).trim().split(':')[5]!;

/** The credential files (of the list above) that mention this registry or a password. */
function leakedCredentialFiles(): string[] {
  const secrets = [server, passwords.puller, WRONG_PASSWORD, users.puller];
  const encoded = (user: string, pw: string) => Buffer.from(`${user}:${pw}`).toString('base64');
  secrets.push(encoded(users.puller, passwords.puller), encoded(users.puller, WRONG_PASSWORD));
  return credentialFiles().filter(
    (file) => existsSync(file) && secrets.some((s) => readFileSync(file, 'utf8').includes(s)),
  );
}

interface PullDir {
  path: string;
  mode?: number;
  owner?: number;
}

/** Runs deploy-ssh while watching /tmp for the per-run credential directories it creates. */
async function deployWatchingTmp(
  image: string,
  version: string,
  password: string,
): Promise<{ run: ActionRun; pullDirs: PullDir[] }> {
  const pullDirs: PullDir[] = [];
  const watcher: FSWatcher = watch('/tmp', (_event, name) => {
    if (!name?.startsWith(PULL_DIR_PREFIX) || pullDirs.some((d) => d.path.endsWith(name))) return;
    const path = join('/tmp', name);
    try {
      const st = statSync(path);
      pullDirs.push({ path, mode: st.mode & 0o777, owner: st.uid });
    } catch {
      pullDirs.push({ path }); // already removed
    }
  });
  try {
    const run = await runAction('deploy-ssh', {
      ...fx.inputs,
      image,
      version,
      registry: server,
      'registry-username': users.puller,
      'registry-password': password,
    });
    return { run, pullDirs };
  } finally {
    watcher.close();
  }
}

/** A pull directory as a killed run leaves it (owned by the deploy user, auth.json in it), aged. */
function leftPullDir(age: string): string {
  const dir = execFileSync(
    'sudo',
    ['-n', '-u', stack.STACK_SSH_USER!, 'mktemp', '-d', `/tmp/${PULL_DIR_PREFIX}XXXXXXXX`],
    {
      encoding: 'utf8',
    },
  ).trim();
  writeFileSync(join(dir, 'auth.json'), '{"auths":{}}\n', { mode: 0o600 });
  execFileSync('touch', ['-d', age, dir]);
  return dir;
}

function expectNothingLeft(run: ActionRun, pullDirs: PullDir[]): void {
  expect(pullDirs.length, 'the pull went through a per-run directory').toBeGreaterThan(0);
  const deployUid = Number(execFileSync('id', ['-u', stack.STACK_SSH_USER!], { encoding: 'utf8' }));
  for (const dir of pullDirs) {
    expect(existsSync(dir.path), `${dir.path} was removed`).toBe(false);
    if (dir.mode !== undefined)
      expect({ mode: dir.mode, owner: dir.owner }).toEqual({ mode: 0o700, owner: deployUid });
  }
  expect(leakedCredentialFiles()).toEqual([]);
  const printed = everythingPrinted(run);
  for (const secret of [passwords.puller, passwords.pusher, WRONG_PASSWORD])
    expect(printed).not.toContain(secret);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'registry-auth-'));
  await startRegistry();
  imageRef = seedImage();
  fx = await deployFixture(stack, 'registry-auth', '3261,3262');
  expect(leakedCredentialFiles(), 'no login of this registry before the test').toEqual([]);
});

afterAll(() => {
  fx?.cleanup();
  registry?.kill();
  if (certsDir) rmSync(certsDir, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
  for (const ref of pulledRefs) podman('image', 'rm', '--ignore', ref);
});

describe('deploy-ssh with a private registry', () => {
  it('refuses an unauthenticated pull: the registry really requires the login', () => {
    const noLogin = join(work, 'empty-auth.json');
    writeFileSync(noLogin, '{}');
    const pull = () => podman('pull', '--quiet', '--authfile', noLogin, imageRef);
    expect(pull).toThrow(/authentication required|unauthorized/i);
  });

  it('deploys with the pull credential, then keeps no credential on the host', async () => {
    // A run killed mid-pull leaves its directory: the next deploy sweeps it once it is older than
    // any pull can take, and leaves a concurrent run's (recent) one alone.
    const stale = leftPullDir('2 hours ago');
    const recent = leftPullDir('5 minutes ago');
    try {
      const { run, pullDirs } = await deployWatchingTmp(imageRef, 'v1', passwords.puller);
      pulledRefs.push(imageRef);
      expect(run.code, run.stdout).toBe(0);
      expect(await currentVersion(fx.siteUrl)).toBe('v1');
      expectNothingLeft(run, pullDirs);
      expect(existsSync(stale)).toBe(false);
      expect(run.stdout).toContain(`removed registry credentials left by an interrupted run: ${stale}`);
      expect(existsSync(join(recent, 'auth.json'))).toBe(true);
    } finally {
      rmSync(stale, { recursive: true, force: true });
      rmSync(recent, { recursive: true, force: true });
    }
  });

  it('a refused login (wrong password) fails the deploy and keeps no credential either', async () => {
    const { run, pullDirs } = await deployWatchingTmp(imageRef, 'v2', WRONG_PASSWORD);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/logging into|unauthorized|invalid username\/password/i);
    expectNothingLeft(run, pullDirs);
    expect(await currentVersion(fx.siteUrl)).toBe('v1');
  });

  it('a failed pull (no such image) after a good login keeps no credential either', async () => {
    const { run, pullDirs } = await deployWatchingTmp(
      `${server}/regauth/app:missing`,
      'v3',
      passwords.puller,
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/manifest unknown|not found/i);
    expectNothingLeft(run, pullDirs);
    expect(await currentVersion(fx.siteUrl)).toBe('v1');
  });
});

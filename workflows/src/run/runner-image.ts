import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

/**
 * What a job on a GitHub-hosted `ubuntu-*` runner has without installing anything, taken from the
 * image's own software list (workflows/runner-images/Ubuntu2404-Readme.md). Each entry of the list
 * that names a tool is mapped to the commands it puts on PATH; Ubuntu's essential packages (always
 * present, not listed) come first. A tool the list does not name is not on the image.
 */
export const IMAGE = {
  label: 'ubuntu-24.04',
  version: '20260816.277.1',
  readme: resolve(import.meta.dirname, '..', '..', 'runner-images', 'Ubuntu2404-Readme.md'),
};

/** Commands of Ubuntu's Essential packages and the base system every image has. */
const ESSENTIAL = `
  bash sh dash [ test arch b2sum base32 base64 basename basenc cat chcon chgrp chmod chown chroot cksum
  comm cp csplit cut date dd df dir dircolors dirname du echo env expand expr factor false fmt fold
  groups head hostid id install join link ln logname ls md5sum mkdir mkfifo mknod mktemp mv nice nl
  nohup nproc numfmt od paste pathchk pinky pr printenv printf ptx pwd readlink realpath rm rmdir
  runcon seq sha1sum sha224sum sha256sum sha384sum sha512sum shred shuf sleep sort split stat stdbuf
  stty sum sync tac tail tee timeout touch tr true truncate tsort tty uname unexpand uniq unlink
  users vdir wc who whoami yes find xargs grep egrep fgrep sed awk mawk gawk diff cmp diff3 sdiff
  gzip gunzip zcat zgrep hostname ps kill pkill pgrep top free uptime watch pidof flock getopt setsid
  rev column more less mount umount lsblk uuidgen which run-parts logger script tput clear login
  su passwd useradd userdel usermod groupadd chpasswd apt apt-get apt-cache apt-key dpkg
  dpkg-query dpkg-deb update-alternatives systemctl journalctl ischroot mountpoint nsenter unshare
  renice ionice taskset chrt fallocate lscpu ipcs ulimit cal sensible-editor
`;

/**
 * What the container tools of the list bring along as Ubuntu dependencies (the list names the tools,
 * not their dependencies): OCI runtimes, conmon, the network plumbing and id mapping they call.
 */
const CONTAINER_DEPENDENCIES =
  'runc crun conmon iptables ip6tables iptables-legacy iptables-nft iptables-save iptables-restore ' +
  'newuidmap newgidmap slirp4netns fuse-overlayfs netavark aardvark-dns containerd containerd-shim-runc-v2 ctr';

/** Entry of the software list (its name, lower-cased) → the commands it provides. */
const PROVIDES: Record<string, string> = {
  bash: 'bash',
  dash: 'dash sh',
  'gnu c++': 'g++ c++',
  clang: 'clang clang++',
  'clang-format': 'clang-format',
  'clang-tidy': 'clang-tidy',
  'gnu fortran': 'gfortran',
  julia: 'julia',
  kotlin: 'kotlin kotlinc',
  'node.js': 'node',
  perl: 'perl',
  python: 'python3',
  ruby: 'ruby',
  swift: 'swift',
  cpan: 'cpan',
  helm: 'helm',
  npm: 'npm npx',
  pip: 'pip',
  pip3: 'pip3',
  pipx: 'pipx',
  rubygems: 'gem',
  yarn: 'yarn',
  ant: 'ant',
  gradle: 'gradle',
  lerna: 'lerna',
  maven: 'mvn',
  ansible: 'ansible ansible-playbook',
  azcopy: 'azcopy azcopy10',
  bazel: 'bazel',
  bazelisk: 'bazelisk',
  bicep: 'bicep',
  buildah: `buildah ${CONTAINER_DEPENDENCIES}`,
  cmake: 'cmake ctest cpack',
  'docker compose': 'docker-compose',
  'docker-buildx': 'docker-buildx',
  'docker client': 'docker',
  'docker server': `dockerd ${CONTAINER_DEPENDENCIES}`,
  fastlane: 'fastlane',
  git: 'git',
  'git lfs': 'git-lfs',
  'git-ftp': 'git-ftp',
  haveged: 'haveged',
  jq: 'jq',
  kind: 'kind',
  kubectl: 'kubectl',
  kustomize: 'kustomize',
  mediainfo: 'mediainfo',
  mercurial: 'hg',
  minikube: 'minikube',
  n: 'n',
  newman: 'newman',
  openssl: 'openssl',
  packer: 'packer',
  parcel: 'parcel',
  podman: `podman ${CONTAINER_DEPENDENCIES}`,
  pulumi: 'pulumi',
  skopeo: 'skopeo',
  yamllint: 'yamllint',
  yq: 'yq',
  zstd: 'zstd unzstd zstdcat',
  ninja: 'ninja',
  'aws cli': 'aws',
  'aws sam cli': 'sam',
  'azure cli': 'az',
  'github cli': 'gh',
  'google cloud cli': 'gcloud gsutil',
  'php:': 'php',
  composer: 'composer',
  phpunit: 'phpunit',
  cabal: 'cabal',
  ghc: 'ghc',
  ghcup: 'ghcup',
  stack: 'stack',
  cargo: 'cargo',
  rust: 'rustc',
  rustdoc: 'rustdoc',
  rustup: 'rustup',
  rustfmt: 'rustfmt',
  'google chrome': 'google-chrome',
  chromedriver: 'chromedriver',
  chromium: 'chromium',
  'mozilla firefox': 'firefox',
  geckodriver: 'geckodriver',
  '.net core sdk:': 'dotnet',
  sqlite3: 'sqlite3',
  postgresql:
    'psql pg_dump pg_dumpall pg_restore pg_isready createdb dropdb createuser dropuser pg_basebackup',
  mysql: 'mysql mysqldump mysqladmin',
  powershell: 'pwsh',
  apache2: 'apache2 apache2ctl',
  nginx: 'nginx',
  // Installed apt packages (the table of the list).
  acl: 'getfacl setfacl',
  aria2: 'aria2c',
  autoconf: 'autoconf autoreconf',
  automake: 'automake aclocal',
  binutils: 'ld as ar nm objdump objcopy readelf strip strings size',
  bison: 'bison yacc',
  brotli: 'brotli',
  bzip2: 'bzip2 bunzip2 bzcat',
  coreutils: '',
  curl: 'curl',
  dnsutils: 'dig nslookup nsupdate',
  dpkg: 'dpkg',
  'dpkg-dev': 'dpkg-buildpackage dpkg-architecture',
  fakeroot: 'fakeroot',
  file: 'file',
  findutils: 'find xargs',
  flex: 'flex',
  ftp: 'ftp',
  'g++': 'g++',
  gcc: 'gcc cc cpp',
  gnupg2: 'gpg gpgv gpg-agent gpgconf',
  iproute2: 'ip ss tc bridge',
  'iputils-ping': 'ping',
  libtool: 'libtool libtoolize',
  locales: 'locale locale-gen localedef',
  lz4: 'lz4 lz4cat unlz4',
  m4: 'm4',
  make: 'make',
  'net-tools': 'netstat ifconfig route arp',
  netcat: 'nc netcat',
  'openssh-client': 'ssh scp sftp ssh-keygen ssh-keyscan ssh-add ssh-agent',
  'p7zip-full': '7z 7za',
  parallel: 'parallel',
  patchelf: 'patchelf',
  pigz: 'pigz unpigz',
  'pkg-config': 'pkg-config',
  'python-is-python3': 'python',
  rpm: 'rpm rpmbuild',
  rsync: 'rsync',
  shellcheck: 'shellcheck',
  ssh: 'sshd',
  sshpass: 'sshpass',
  sudo: 'sudo',
  swig: 'swig',
  tar: 'tar',
  telnet: 'telnet',
  texinfo: 'makeinfo texi2any',
  time: 'time',
  tree: 'tree',
  unzip: 'unzip zipinfo',
  upx: 'upx',
  wget: 'wget',
  xvfb: 'Xvfb xvfb-run',
  'xz-utils': 'xz unxz xzcat lzma',
  zip: 'zip',
  zsync: 'zsync',
};

let cached: Set<string> | undefined;

/** The commands a job on the hosted Ubuntu image finds on PATH without installing anything. */
export function imageCommands(): Set<string> {
  if (cached) return cached;
  const commands = new Set(ESSENTIAL.split(/\s+/).filter(Boolean));
  for (const name of listedNames(readFileSync(IMAGE.readme, 'utf8')))
    for (const command of (PROVIDES[name] ?? '').split(' ').filter(Boolean)) commands.add(command);
  cached = commands;
  return commands;
}

/** Entry names of the software list: `- Name 1.2.3` lines and first cells of table rows. */
export function listedNames(readme: string): string[] {
  const names: string[] = [];
  for (const line of readme.split('\n')) {
    // Version-only items (the tool cache: Go, Node.js, Python...) name no entry, so they add nothing.
    const item = /^- (.+)$/.exec(line);
    if (item) {
      const text = item[1]!.toLowerCase();
      const key = Object.keys(PROVIDES)
        .filter((name) => text === name || text.startsWith(`${name} `) || text.startsWith(name + ':'))
        .sort((a, b) => b.length - a.length)[0];
      if (key) names.push(key);
      continue;
    }
    const row = /^\|\s*([^|]+?)\s*\|/.exec(line);
    if (row && !/^-+$/.test(row[1]!)) names.push(row[1]!.toLowerCase());
  }
  return names;
}

/** Is this `runs-on` a GitHub-hosted Ubuntu runner (the only hosted image the engine models)? */
export function isHostedUbuntu(runsOn: unknown): boolean {
  const labels = Array.isArray(runsOn) ? runsOn.map(String) : [String(runsOn ?? '')];
  return labels.some((label) => /^ubuntu-(latest|\d+\.\d+)(-arm)?$/.test(label));
}

const binDirs = new Map<string, string>();

/**
 * A directory with a link to this machine's copy of every image command (those this machine has):
 * the job's PATH ends with it instead of the machine's PATH, so a tool the image lacks is not found.
 */
export function imageBinDir(machinePath: string): string {
  let dir = binDirs.get(machinePath);
  if (dir && existsSync(dir)) return dir;
  dir = join(mkdtempSync(join(tmpdir(), 'pipeline-image-')), 'bin');
  mkdirSync(dir);
  for (const command of imageCommands()) {
    const target = which(command, machinePath);
    if (target) symlinkSync(target, join(dir, command));
  }
  binDirs.set(machinePath, dir);
  return dir;
}

function which(command: string, path: string): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The tool a failed step could not find, from bash's or Node's error text. */
export function missingTool(output: string): string | undefined {
  const bash = /(?:^|\n)(?:[^\n:]*: )?(?:line \d+: )?([A-Za-z0-9._+-]+): command not found/.exec(output);
  if (bash) return bash[1];
  const spawn = /spawn ([A-Za-z0-9._+-]+) ENOENT/.exec(output);
  return spawn?.[1];
}

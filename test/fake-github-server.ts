// The local GitHub API as a process, for `npm run rehearse` and `scripts/dr-drill` (GitHub cannot be
// reached here): `tsx test/fake-github-server.ts <port> [state-file]` with the token in
// PIPELINE_GITHUB_TOKEN. Runs until SIGTERM. With a state file, the deployments are read from it at
// start and written back after every change, so a later run (the disaster drill's production deploy)
// finds what the rehearsal's staging deploy recorded, as it would on GitHub.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { FakeGitHub, type FakeDeployment } from './fake-github';

const token = process.env.PIPELINE_GITHUB_TOKEN;
if (!token) {
  process.stderr.write('PIPELINE_GITHUB_TOKEN is required (the token the workflow jobs will send)\n');
  process.exit(2);
}
const [port, stateFile] = process.argv.slice(2);
const github = new FakeGitHub(token);
if (stateFile && existsSync(stateFile))
  github.restoreDeployments(JSON.parse(readFileSync(stateFile, 'utf8')) as FakeDeployment[]);
const url = await github.start(Number(port ?? 0));
let saved = JSON.stringify(github.deployments);
function save(): void {
  const now = JSON.stringify(github.deployments);
  if (!stateFile || now === saved) return;
  writeFileSync(`${stateFile}.tmp`, now, { mode: 0o600 });
  renameSync(`${stateFile}.tmp`, stateFile);
  saved = now;
}
if (stateFile) setInterval(save, 200).unref();
process.stdout.write(`${url}\n`);
process.on('SIGTERM', () => {
  save();
  void github.stop().then(() => process.exit(0));
});

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
// Saved before the answer goes out: a workflow that got its 201 finds the record in the file.
if (stateFile)
  github.onDeploymentsChange = () => {
    writeFileSync(`${stateFile}.tmp`, JSON.stringify(github.deployments), { mode: 0o600 });
    renameSync(`${stateFile}.tmp`, stateFile);
  };
process.stdout.write(`${url}\n`);
process.on('SIGTERM', () => {
  void github.stop().then(() => process.exit(0));
});

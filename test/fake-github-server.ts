// The local GitHub API as a process, for `npm run rehearse` (GitHub cannot be reached here):
// `npx tsx test/fake-github-server.ts <port>` with the token in PIPELINE_GITHUB_TOKEN. Runs until
// SIGTERM; staging's deployments live as long as it does.
import { FakeGitHub } from './fake-github';

const token = process.env.PIPELINE_GITHUB_TOKEN;
if (!token) {
  process.stderr.write('PIPELINE_GITHUB_TOKEN is required (the token the workflow jobs will send)\n');
  process.exit(2);
}
const github = new FakeGitHub(token);
const url = await github.start(Number(process.argv[2] ?? 0));
process.stdout.write(`${url}\n`);
process.on('SIGTERM', () => void github.stop().then(() => process.exit(0)));

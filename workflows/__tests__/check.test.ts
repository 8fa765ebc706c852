import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionlintFindings, parserFindings, runChecks } from '../src/check/check';
import { checkContracts } from '../src/check/contracts';
import { REPO_ROOT } from './helpers';

const deploy = readFileSync(join(REPO_ROOT, '.github/workflows/deploy.yml'), 'utf8');
const backup = readFileSync(join(REPO_ROOT, '.github/workflows/db-backup.yml'), 'utf8');
const production = readFileSync(join(REPO_ROOT, '.github/workflows/deploy-production.yml'), 'utf8');

function rules(text: string, file = 'copy.yml'): string[] {
  return checkContracts(file, text, REPO_ROOT).map((f) => f.rule);
}

/** Replaces exactly one occurrence, so a test cannot silently mutate nothing. */
function breakIt(text: string, from: string, to: string): string {
  expect(text.split(from).length - 1, `'${from}' should occur once`).toBe(1);
  return text.replace(from, to);
}

describe('pipeline check on our workflows', () => {
  it('passes GitHub’s parser, actionlint and every contract', async () => {
    const findings = await runChecks(REPO_ROOT);
    expect(findings.map((f) => `${f.file} ${f.where} [${f.rule}] ${f.message}`)).toEqual([]);
  });
});

describe('pipeline check on broken copies', () => {
  it('flags an input the action does not declare', () => {
    expect(rules(backup)).not.toContain('unknown-input');
    const broken = breakIt(backup, '          keep-min: ', '          keep-minimum: ');
    expect(rules(broken)).toContain('unknown-input');
  });

  it('flags a missing required input', () => {
    expect(rules(backup)).not.toContain('missing-input');
    const broken = breakIt(backup, '          bucket: ${{ vars.BACKUP_BUCKET }}\n', '');
    expect(
      checkContracts('copy.yml', broken, REPO_ROOT).find((f) => f.rule === 'missing-input')?.message,
    ).toMatch(/requires input 'bucket'/);
  });

  it('flags a wrong step output reference and a wrong needs output reference', () => {
    expect(rules(backup)).not.toContain('output-reference');
    const step = breakIt(backup, 'steps.series.outputs.retention-days', 'steps.series.outputs.retention');
    expect(
      checkContracts('copy.yml', step, REPO_ROOT).find((f) => f.rule === 'output-reference')?.message,
    ).toMatch(/'series' has no output 'retention'/);
    const needs = breakIt(
      deploy,
      'image-ref: ${{ needs.build.outputs.api-image }}',
      'image-ref: ${{ needs.build.outputs.api-digest }}',
    );
    expect(checkContracts('copy.yml', needs, REPO_ROOT).map((f) => f.message)).toContainEqual(
      expect.stringMatching(/job 'build' has no output 'api-digest'/),
    );
  });

  it('flags a third-party action not pinned by SHA, or pinned without a version comment', () => {
    expect(rules(deploy)).not.toContain('pin');
    const tag = deploy.replace(/actions\/checkout@[0-9a-f]{40} # v5\.0\.0/, 'actions/checkout@v5');
    expect(rules(tag)).toContain('pin');
    const bare = deploy.replace(/(actions\/checkout@[0-9a-f]{40}) # v5\.0\.0/, '$1');
    expect(rules(bare)).toContain('pin');
  });

  it('flags an expression interpolated into a run: script (and actionlint agrees for untrusted input)', async () => {
    expect(rules(backup)).not.toContain('run-injection');
    const broken = breakIt(backup, '          kind=${KIND:-nightly}', '          kind=${{ inputs.kind }}');
    expect(rules(broken)).toContain('run-injection');
    const untrusted = breakIt(
      backup,
      '          kind=${KIND:-nightly}',
      '          echo "${{ github.event.head_commit.message }}"',
    );
    expect((await actionlintFindings('copy.yml', untrusted)).map((f) => f.message)).toContainEqual(
      expect.stringMatching(/potentially untrusted/),
    );
  });

  it('flags deploy jobs without a non-cancelling concurrency group, missing permissions and persisted credentials', () => {
    const cancelling = breakIt(
      deploy,
      '      group: deploy-${{ inputs.environment }}\n      cancel-in-progress: false',
      '      group: deploy-${{ inputs.environment }}\n      cancel-in-progress: true',
    );
    expect(rules(cancelling)).toContain('deploy-concurrency');
    const none = breakIt(
      deploy,
      '    concurrency:\n      group: deploy-${{ inputs.environment }}\n      cancel-in-progress: false\n',
      '',
    );
    expect(rules(none)).toContain('deploy-concurrency');
    const open = breakIt(backup, 'permissions: {}\n', '').replace(
      '    permissions:\n      contents: read\n',
      '',
    );
    expect(rules(open)).toContain('permissions');
    const creds = deploy.replace('persist-credentials: false', 'persist-credentials: true');
    expect(rules(creds)).toContain('checkout-credentials');
  });

  it('flags a local action used before the repository is checked out', () => {
    expect(rules(backup)).not.toContain('checkout-first');
    const broken = breakIt(
      backup,
      '      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0\n        with:\n          persist-credentials: false\n',
      '',
    );
    expect(rules(broken)).toContain('checkout-first');
  });

  it('reports GitHub parser errors', () => {
    const broken = breakIt(
      backup,
      '    runs-on: ubuntu-latest\n',
      '    runs-on: ubuntu-latest\n    runs-onn: typo\n',
    );
    expect(parserFindings('copy.yml', broken).length).toBeGreaterThan(0);
  });

  it('flags the production deadlock: the workflow holding the group deploy.yml’s deploy job asks for', () => {
    expect(rules(production, '.github/workflows/copy.yml')).not.toContain('deadlock');
    const held = breakIt(
      production,
      'permissions: {}\n',
      'permissions: {}\nconcurrency: deploy-production\n',
    );
    expect(checkContracts('copy.yml', held, REPO_ROOT).find((f) => f.rule === 'deadlock')?.message).toMatch(
      /'deploy-production' is held by the workflow and requested by 'production \/ deploy'/,
    );
  });

  it('flags a called workflow asking for more permissions than the calling job grants', () => {
    expect(rules(production)).not.toContain('permissions');
    const narrow = breakIt(production, '      packages: write\n      security-events: write\n', '');
    expect(checkContracts('copy.yml', narrow, REPO_ROOT).map((f) => f.message)).toContainEqual(
      expect.stringMatching(
        /^Error calling workflow '.\/.github\/workflows\/deploy.yml'. The nested job 'build' is requesting 'packages: write', but is only allowed 'packages: none'.$/,
      ),
    );
  });

  it('flags a tool the hosted image lacks in a run: script, naming job, step and tool', () => {
    expect(rules(backup)).not.toContain('runner-image');
    const broken = breakIt(
      backup,
      '          kind=${KIND:-nightly}\n',
      '          kind=${KIND:-nightly}\n          redis-cli ping\n',
    );
    const finding = checkContracts('copy.yml', broken, REPO_ROOT).find((f) => f.rule === 'runner-image');
    expect(finding?.where).toBe('jobs.backup.steps[2] (Choose the series)');
    expect(finding?.message).toMatch(/^'redis-cli' is not on GitHub's ubuntu-24.04 runner image/);
  });
});

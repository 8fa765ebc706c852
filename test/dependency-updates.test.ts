// The dependency update bot's configuration (.github/renovate.json) covers what issue 14 asks:
// npm, the GitHub Actions pins and the apps' base image; CI checks the registry signatures.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './run-action';

const config = JSON.parse(readFileSync(join(REPO_ROOT, '.github/renovate.json'), 'utf8')) as {
  enabledManagers: string[];
  minimumReleaseAge: string;
  customManagers: { managerFilePatterns: string[]; matchStrings: string[]; datasourceTemplate: string }[];
};

describe('dependency updates', () => {
  it('updates npm packages and the SHA-pinned GitHub Actions, after a cooldown', () => {
    expect(config.enabledManagers).toEqual(expect.arrayContaining(['npm', 'github-actions', 'custom.regex']));
    expect(config.minimumReleaseAge).toMatch(/^\d+ days$/);
  });

  it('finds the base image of both app Dockerfiles (ARG BASE_IMAGE, which Dependabot cannot follow)', () => {
    const [manager] = config.customManagers;
    expect(manager!.datasourceTemplate).toBe('docker');
    const fileMatch = new RegExp(manager!.managerFilePatterns[0]!.slice(1, -1));
    for (const app of ['api', 'web']) {
      const path = `apps/${app}/Dockerfile`;
      expect(fileMatch.test(path), path).toBe(true);
      const text = readFileSync(join(REPO_ROOT, path), 'utf8');
      const match = new RegExp(manager!.matchStrings[0]!).exec(text);
      expect(match?.groups, path).toMatchObject({
        depName: 'node',
        currentValue: expect.stringMatching(/^\d+/),
      });
      // The image the build really uses by default is the one found.
      expect(text).toMatch(new RegExp(`FROM \\$\\{BASE_IMAGE\\}`));
    }
  });

  it('checks the registry signatures of every installed package in CI, as its own step after npm ci', () => {
    const ci = parse(readFileSync(join(REPO_ROOT, '.github/workflows/ci.yml'), 'utf8')) as {
      jobs: Record<string, { steps: { run?: string; name?: string }[] }>;
    };
    const steps = ci.jobs.static!.steps;
    const install = steps.findIndex((s) => s.run?.startsWith('npm ci'));
    const audit = steps.findIndex((s) => s.run === 'npm audit signatures');
    expect(install).toBeGreaterThanOrEqual(0);
    expect(audit).toBeGreaterThan(install);
  });
});

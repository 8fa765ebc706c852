import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Core } from '../../lib/action/core';
import { Inputs } from '../../lib/action/inputs';
import { actionDefaults, actionYmlOf } from '../../lib/action/metadata';
import { ENGINES, type BuildSpec } from '../../lib/image/engine';
import { IMAGE_NAME, REGISTRY, TAG, registryOf } from '../../lib/image/image-name';
import { BUILD_ARG_LINE, LABEL_LINE, parseKeyValues } from '../../lib/image/labels';

/** What to build (as the engine takes it), and where it goes. */
export interface BuildPushInputs extends Pick<BuildSpec, 'context' | 'file' | 'buildArgs' | 'labels'> {
  image: string;
  extraTags: string[];
  push: boolean;
  registry: string;
  username?: string;
  password?: string;
  engine: (typeof ENGINES)[number];
  engineFlags: string[];
  /** 0 = no budget. */
  maxSizeMb: number;
  insecureRegistry: boolean;
  defaultBranch?: string;
}

const ONE_PER_LINE = /\r?\n/;

/** Reads every input and reports all bad ones at once, before anything is built. */
export function readInputs(core: Core, workspace = process.cwd()): BuildPushInputs {
  const inputs = new Inputs(core, actionDefaults(actionYmlOf(import.meta.url)));
  const password = inputs.secret('password');
  const username = inputs.optional('username', {
    pattern: /^[^\s:]{1,256}$/,
    expected: 'a user name without spaces or `:`',
  });
  const image = inputs.required('image', {
    pattern: IMAGE_NAME,
    expected: 'a lower-case image name without tag, e.g. `ghcr.io/org/api` or `127.0.0.1:5000/ctx/api`',
  });
  const context = resolve(workspace, inputs.required('context'));
  const fileInput = inputs.optional('file');
  const file = fileInput ? resolve(workspace, fileInput) : join(context, 'Dockerfile');

  const result: BuildPushInputs = {
    context,
    file,
    image,
    extraTags: inputs.list('tags', {
      pattern: TAG,
      expected: 'tags such as `v1-stable` (letters, digits, `_.-`)',
    }),
    buildArgs: parseKeyValues(
      inputs.list('build-args', {
        separator: ONE_PER_LINE,
        pattern: BUILD_ARG_LINE,
        expected: '`NAME=value`, one per line',
      }),
    ),
    labels: parseKeyValues(
      inputs.list('labels', {
        separator: ONE_PER_LINE,
        pattern: LABEL_LINE,
        expected: '`key=value`, one per line',
      }),
    ),
    push: inputs.boolean('push'),
    registry:
      inputs.optional('registry', { pattern: REGISTRY, expected: 'a host[:port] such as `ghcr.io`' }) ?? '',
    username,
    password,
    engine: inputs.oneOf('engine', ENGINES),
    engineFlags: inputs.words('engine-flags', { allowEmpty: true }),
    maxSizeMb: inputs.integer('max-size-mb', { min: 0, max: 1_000_000 }),
    insecureRegistry: inputs.boolean('insecure-registry'),
    defaultBranch: inputs.optional('default-branch', {
      pattern: /^[A-Za-z0-9._/-]{1,255}$/,
      expected: 'a branch name such as `main`',
    }),
  };

  if (!isDirectory(context)) inputs.problem('context', `must be a directory (\`${context}\` is not)`);
  else if (!existsSync(file))
    inputs.problem(fileInput ? 'file' : 'context', `has no Dockerfile at \`${file}\``);
  if (!!username !== !!password)
    inputs.problem(username ? 'password' : 'username', 'is required when the other credential is set');
  if (result.engineFlags.length > 0 && result.engine === 'auto')
    inputs.problem(
      'engine-flags',
      'needs an explicit `engine` (flags differ between docker, buildah and podman)',
    );
  if (!result.registry && image) result.registry = registryOf(image);
  inputs.done();
  return result;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

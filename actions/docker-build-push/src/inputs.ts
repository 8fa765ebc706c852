import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Core } from '../../common/src/core';
import { Inputs } from '../../common/src/inputs';
import { splitPlainWords } from '../../common/src/shell';
import { ENGINES } from './engine';
import { IMAGE_NAME, REGISTRY, TAG, registryOf } from './image-name';
import { BUILD_ARG_LINE, LABEL_LINE, parseKeyValues } from './labels';

export interface BuildPushInputs {
  context: string;
  file: string;
  image: string;
  extraTags: string[];
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
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
  const inputs = new Inputs(core);
  const password = inputs.secret('password');
  const username = inputs.optional('username', undefined, {
    pattern: /^[^\s:]{1,256}$/,
    expected: 'a user name without spaces or `:`',
  });
  const image = inputs.required('image', {
    pattern: IMAGE_NAME,
    expected: 'a lower-case image name without tag, e.g. `ghcr.io/org/api` or `127.0.0.1:5000/ctx/api`',
  });
  const context = resolve(workspace, inputs.optional('context', '.') ?? '.');
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
    push: inputs.boolean('push', true),
    registry:
      inputs.optional('registry', undefined, {
        pattern: REGISTRY,
        expected: 'a host[:port] such as `ghcr.io`',
      }) ?? '',
    username,
    password,
    engine: inputs.oneOf('engine', ENGINES, 'auto'),
    engineFlags: engineFlags(inputs),
    maxSizeMb: inputs.integer('max-size-mb', 0, { min: 0, max: 1_000_000 }),
    insecureRegistry: inputs.boolean('insecure-registry', false),
    defaultBranch: inputs.optional('default-branch', undefined, {
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

function engineFlags(inputs: Inputs): string[] {
  const text = inputs.raw('engine-flags');
  if (!text) return [];
  const words = splitPlainWords(text);
  if (!words)
    inputs.problem('engine-flags', 'must be plain words separated by spaces (no quotes or shell characters)');
  return words ?? [];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

import type { Service } from '../system/network-error';

/**
 * Image references, following the grammar of distribution/reference: an optional
 * registry host (with a port), then lower-case path components.
 */
const HOST_PART = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const HOST = `(?:localhost|${HOST_PART}(?:\\.${HOST_PART})+|\\[[0-9a-fA-F:]+\\])(?::[0-9]{1,5})?|${HOST_PART}:[0-9]{1,5}`;
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';

/** `ghcr.io/org/api`, `127.0.0.1:5000/ctx/web`, `library/node`: no tag, no digest. */
export const IMAGE_NAME = new RegExp(`^(?:(?:${HOST})/)?${COMPONENT}(?:/${COMPONENT})*$`);
/** A tag: at most 128 characters, not starting with `.` or `-`. */
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** A registry host as `docker login` takes it. */
export const REGISTRY = new RegExp(`^(?:${HOST})$`);
export const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** A reference to pull or scan: `name`, `name:tag`, `name@sha256:…` or `name:tag@sha256:…`. */
export const IMAGE_REF = new RegExp(
  `^${IMAGE_NAME.source.slice(1, -1)}(?::${TAG.source.slice(1, -1)})?(?:@${DIGEST.source.slice(1, -1)})?$`,
);

/** Docker Hub's name for images without a registry host. */
export const DOCKER_HUB = 'docker.io';

/**
 * The registry an image lives in: its first component when that looks like a host
 * (has a `.` or `:`, or is `localhost`), else Docker Hub — the rule docker itself uses.
 */
export function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  const isHost = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return isHost ? first : DOCKER_HUB;
}

/** The registry of `image` as a network failure names it, reached from `from` (the runner, a host). */
export function registryService(image: string, from: string): Service {
  return {
    name: 'registry',
    address: `${registryOf(image)} (from ${from})`,
    hint: 'Check the image name (registry host:port), that the registry is up and reachable from there (DNS, firewall), and for a plain-HTTP registry the insecure-registry setting.',
  };
}

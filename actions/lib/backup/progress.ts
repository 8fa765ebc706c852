import type { Log } from '../action/core';
import { formatBytes, formatDuration } from '../action/duration';

/** Logs `<label> <bytes> (<rate>/s, <elapsed>)` every `everyMs` while work runs. */
export function startProgress(log: Log, label: string, bytes: () => number, everyMs = 5_000): () => void {
  const started = Date.now();
  const timer = setInterval(() => log.info(progressLine(label, bytes(), Date.now() - started)), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

export function progressLine(label: string, bytes: number, elapsedMs: number): string {
  return `${label} ${formatBytes(bytes)} (${formatBytes(rate(bytes, elapsedMs))}/s, ${formatDuration(elapsedMs)})`;
}

export function rate(bytes: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((bytes * 1000) / elapsedMs) : 0;
}

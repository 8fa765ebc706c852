import type { UploadInputs } from './inputs';
import type { Core } from '../../lib/action/core';
import { formatDuration } from '../../lib/action/duration';
import { table, writeSummary } from '../../lib/action/summary';

export interface UploadResult {
  inputs: UploadInputs;
  cliVersion: string;
  cliCached: boolean;
  /** Undefined when the step only finalized or recorded a deploy. */
  upload?: { files: number; maps: number; bundles: string[]; debugIds: string[]; deletedMaps: number };
  durationMs: number;
}

/** Debug IDs listed in the summary; the `debug-ids` output has all of them. */
export const SUMMARY_DEBUG_IDS = 20;

export function summaryRows(result: UploadResult): string[][] {
  const { inputs, upload } = result;
  const rows: string[][] = [
    ['Sentry', `${inputs.url} · ${inputs.org}/${inputs.project}`],
    ['Release', inputs.release ?? '(none: matched by debug ID only)'],
  ];
  if (upload) {
    rows.push(
      [
        'Files uploaded',
        `${upload.files} (${upload.maps} source maps) from ${inputs.paths.length} director${inputs.paths.length === 1 ? 'y' : 'ies'}`,
      ],
      ['Artifact bundles', upload.bundles.join(', ') || '(none reported)'],
      ['Debug IDs', String(upload.debugIds.length)],
      ['URL prefix', inputs.urlPrefix],
      ['Debug IDs injected', inputs.inject ? 'yes' : 'no (already in the build)'],
      ['Maps deleted after upload', inputs.deleteAfter ? String(upload.deletedMaps) : 'no'],
    );
  }
  rows.push(
    ['Finalized', inputs.finalize ? 'yes' : 'no'],
    ['Deploy recorded', inputs.deploy ? (inputs.environment ?? '') : 'no'],
    [
      'sentry-cli',
      `${result.cliVersion} (${result.cliCached ? 'tool cache' : 'downloaded, integrity verified'})`,
    ],
    ['Time', formatDuration(result.durationMs)],
  );
  return rows;
}

export async function writeUploadSummary(core: Pick<Core, 'summary'>, result: UploadResult): Promise<void> {
  await writeSummary(core, (s) => {
    s.addHeading(result.upload ? 'Source maps uploaded to Sentry' : 'Sentry release updated', 3).addTable(
      table(['', ''], summaryRows(result)),
    );
    const ids = result.upload?.debugIds ?? [];
    if (ids.length > 0) {
      const more = ids.length > SUMMARY_DEBUG_IDS ? ` (first ${SUMMARY_DEBUG_IDS} of ${ids.length})` : '';
      s.addHeading(`Debug IDs${more}`, 4).addList(ids.slice(0, SUMMARY_DEBUG_IDS).map((id) => `\`${id}\``));
    }
  });
}

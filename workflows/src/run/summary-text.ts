/**
 * A job summary (GitHub-flavoured Markdown, often with HTML from @actions/core's summary helpers)
 * as readable terminal text: tables as aligned columns, headings underlined, tags removed.
 */
export function summaryText(markdown: string): string {
  const lines = htmlToMarkdown(markdown).split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (isTableRow(lines[i]!) && i + 1 < lines.length && isSeparator(lines[i + 1]!)) {
      const rows: string[][] = [cells(lines[i]!)];
      i += 2;
      while (i < lines.length && isTableRow(lines[i]!)) rows.push(cells(lines[i++]!));
      i -= 1;
      out.push(...alignColumns(rows));
      continue;
    }
    out.push(inline(lines[i]!));
  }
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const isTableRow = (line: string) => /^\s*\|.*\|\s*$/.test(line);
const isSeparator = (line: string) => /^\s*\|(\s*:?-*:?\s*\|)+\s*$/.test(line);
const cells = (line: string) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => inline(cell.trim()));

export function alignColumns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const format = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const [header, ...body] = rows;
  // A table with an empty header (a key/value list) prints as aligned rows only.
  if (header!.every((cell) => cell === '')) return body.map(format);
  return [format(header!), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(format)];
}

function inline(text: string): string {
  const heading = /^(#{1,6})\s+(.*)$/.exec(text);
  if (heading) {
    const title = inline(heading[2]!);
    return heading[1]!.length <= 2 ? `${title}\n${'='.repeat(title.length)}` : title;
  }
  return text
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1 <$2>')
    .replace(/\\\|/g, '|');
}

/** The HTML that @actions/core's summary writes, turned into Markdown first. */
function htmlToMarkdown(text: string): string {
  let s = text.replace(/\r\n/g, '\n');
  s = s.replace(/<table>([\s\S]*?)<\/table>/gi, (_, body: string) => {
    const rows = [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/gi)].map((row) =>
      [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/gi)].map((c) => stripTags(c[1]!).trim()),
    );
    if (rows.length === 0) return '';
    const line = (r: string[]) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
    return `\n${[line(rows[0]!), `|${rows[0]!.map(() => '---').join('|')}|`, ...rows.slice(1).map(line)].join('\n')}\n`;
  });
  s = s.replace(
    /<h([1-6])[^>]*>([\s\S]*?)<\/h\1>/gi,
    (_, n: string, t: string) => `\n${'#'.repeat(Number(n))} ${stripTags(t)}\n`,
  );
  s = s.replace(/<li[^>]*>([\s\S]*?)<\/li>/gi, (_, t: string) => `- ${stripTags(t).trim()}\n`);
  s = s.replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|div|pre|ul|ol|details|summary)>/gi, '\n');
  s = s.replace(/<a [^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, '[$2]($1)');
  s = stripTags(s);
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

const stripTags = (text: string) => text.replace(/<\/?[a-z][^>]*>/gi, '');

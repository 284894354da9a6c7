// Reads kubectl's human-readable tables back into columns and cells, so that tests can check values
// column by column instead of matching whole lines.

export interface Table {
  /** header names as printed: "NAME", "NOMINATED NODE", "PORT(S)" */
  header: string[];
  /** one record per row, keyed by header name */
  rows: Array<Record<string, string>>;
}

/**
 * Parses one kubectl table. kubectl pads columns with at least three spaces and starts every cell at its
 * header's offset, so header words with single spaces ("MIN AVAILABLE") stay one column and empty cells
 * come back as "".
 */
export function parseTable(text: string): Table {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) return { header: [], rows: [] };
  const starts: number[] = [];
  const header: string[] = [];
  for (const match of lines[0].matchAll(/\S+(?: \S+)*/g)) {
    starts.push(match.index);
    header.push(match[0]);
  }
  const rows = lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    header.forEach((name, i) => {
      row[name] = line.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : undefined).trim();
    });
    return row;
  });
  return { header, rows };
}

/** Parses output holding several tables separated by blank lines (`kubectl get all`, `get a,b`). */
export function parseTables(text: string): Table[] {
  return text
    .split(/\n\s*\n/)
    .filter((block) => block.trim() !== '')
    .map(parseTable);
}

/** The row whose NAME (or another key column) has this value; fails loudly when there is none. */
export function rowOf(table: Table, name: string, column = 'NAME'): Record<string, string> {
  const row = table.rows.find((r) => r[column] === name);
  if (!row) throw new Error(`no row with ${column}=${name} in table:\n${table.header.join(' | ')}\n${table.rows.map((r) => Object.values(r).join(' | ')).join('\n')}`);
  return row;
}

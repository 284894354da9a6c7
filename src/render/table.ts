// kubectl's plain aligned columns (its tabwriter: minimum width 6, padding 3): upper-case headers, no borders.

export interface TableOptions {
  /** spaces after the widest cell of a column (kubectl: 3) */
  padding?: number;
  /** narrowest a column may be, padding included (kubectl: 6) */
  minWidth?: number;
  noHeaders?: boolean;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** Printed width, ignoring colour codes. */
export function visibleWidth(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

export function formatTable(headers: string[], rows: string[][], options: TableOptions = {}): string {
  const padding = options.padding ?? 3;
  const minWidth = options.minWidth ?? 6;
  const lines = options.noHeaders ? rows : [headers.map((h) => h.toUpperCase()), ...rows];
  if (lines.length === 0) return '';
  const columns = Math.max(...lines.map((line) => line.length));
  const widths: number[] = [];
  for (let column = 0; column < columns - 1; column++) {
    const widest = Math.max(...lines.map((line) => visibleWidth(line[column] ?? '')));
    widths.push(Math.max(widest + padding, minWidth));
  }
  return lines
    .map((line) => {
      let out = '';
      for (let column = 0; column < line.length; column++) {
        const cell = line[column] ?? '';
        out += column < line.length - 1 ? cell + ' '.repeat(widths[column] - visibleWidth(cell)) : cell;
      }
      return out.replace(/\s+$/, '') + '\n';
    })
    .join('');
}

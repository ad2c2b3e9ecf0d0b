/**
 * Nomad's two table shapes (command/helpers.go over the columnize library): a list, whose rows are
 * `|`-delimited cells aligned in columns two spaces apart, and a key-value block (`ID   = example`).
 * Cells are trimmed; an empty cell prints as `<none>`, so every row keeps its columns for awk.
 */

const EMPTY_CELL = '<none>';

export interface ColumnOptions {
  /** Between two columns. */
  glue?: string;
  /** What an empty cell prints as; '' leaves it empty. */
  empty?: string;
}

/** Aligns `|`-delimited rows into columns; the last cell of a row is not padded. */
export function formatColumns(rows: readonly string[], opts: ColumnOptions = {}): string {
  const glue = opts.glue ?? '  ';
  const empty = opts.empty ?? '';
  const cells = rows.map((row) =>
    row.split('|').map((c) => {
      const v = c.trim();
      return v === '' && empty !== '' ? empty : v;
    }),
  );
  const widths: number[] = [];
  for (const row of cells) {
    row.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleLength(c));
    });
  }
  return cells
    .map((row) =>
      row
        .map((c, i) => (i === row.length - 1 ? c : c + ' '.repeat(widths[i]! - visibleLength(c)) + glue))
        .join(''),
    )
    .join('\n');
}

/** A list with a header row: `ID|Name|Status` then one row per item. */
export function formatList(rows: readonly string[]): string {
  return formatColumns(rows, { empty: EMPTY_CELL });
}

/** `Key|value` rows as an aligned block: `Key   = value`. */
export function formatKV(rows: readonly string[]): string {
  return formatColumns(rows, { glue: ' = ', empty: EMPTY_CELL });
}

/** The length a terminal shows: colour escape sequences take no room. */
export function visibleLength(s: string): number {
  return [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

/** Shortens an ID to Nomad's 8 characters unless the full form was asked for. */
export function shortId(id: string, verbose = false): string {
  return verbose ? id : id.slice(0, 8);
}

export function limit(s: string, length: number): string {
  return s.length < length ? s : s.slice(0, length);
}

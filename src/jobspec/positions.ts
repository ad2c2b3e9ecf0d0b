/**
 * Source positions. hcl2json reports none for a file that parses, so a name's position is found
 * by searching the source text from the enclosing block's position: good enough to point a user
 * at the right line, and never wrong about which file.
 */

export interface Position {
  offset: number;
  line: number;
  column: number;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function positionAt(source: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

function search(source: string, re: RegExp, from: number): number | null {
  re.lastIndex = from;
  const m = re.exec(source);
  return m === null ? null : m.index + (m[1]?.length ?? 0);
}

/** Where a block header (`group "cache" {`, `update {`) starts, searching from `from`. */
export function findBlock(source: string, type: string, label: string | null, from: number): number | null {
  const labelPart = label === null ? '' : `\\s+"${escapeRegExp(label)}"`;
  return search(source, new RegExp(`(^|[^\\w-])${escapeRegExp(type)}${labelPart}\\s*\\{`, 'g'), from);
}

/** Where an attribute or block name (`count =`, `foo {`, `foo "x" {`) starts, searching from `from`. */
export function findName(source: string, name: string, from: number): number | null {
  return search(source, new RegExp(`(^|[^\\w-])"?${escapeRegExp(name)}"?\\s*(=|\\{|:|")`, 'g'), from);
}

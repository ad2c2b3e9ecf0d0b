/**
 * Runs the real `bin/nomad` (the bundle `npm run build` writes) against a test agent, as a user
 * would from a shell, and reads what it prints in Nomad's layouts: KV blocks ("Key = value"),
 * column tables (cells two or more spaces apart) and titled sections.
 *
 *   const r = await nomad(agent, ['job', 'status', 'example']);
 *   assert.equal(kv(r.stdout)['Status'], 'running');
 *   const allocs = table(section(r.stdout, 'Allocations'));
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const NOMAD_BIN = join(ROOT, 'bin/nomad');
/** A command that runs longer than this is killed and the test fails (a bound, not a speed test). */
export const CLI_TIMEOUT_MS = 120_000;
/** How often waitFor() asks again. */
export const POLL_INTERVAL_MS = 250;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Fails with a clear message when the bundle is missing (run `npm run build` first, as `npm run check` does). */
export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist/nomad.js')))
    throw new Error('dist/nomad.js is missing: run `npm run build` before the end-to-end tests');
}

export function nomad(agent: { address: string }, args: string[], opts: CliOptions = {}): Promise<CliResult> {
  assertBuilt();
  const timeoutMs = opts.timeoutMs ?? CLI_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(NOMAD_BIN, args, {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, NOMAD_ADDR: agent.address, TZ: 'UTC', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nomad ${args.join(' ')} ran past ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * Asks `check` until it returns something other than undefined/false, or fails after the deadline
 * naming what it waited for and the last thing it saw.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`waited ${timeoutMs} ms for ${what}${last !== undefined ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}

/** The "Key = value" lines of a KV block (the first block in the text when several follow). */
export function kv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^(\S(?:.*?\S)?) +=(?: (.*))?$/.exec(line);
    if (m !== null && !(m[1]! in out)) out[m[1]!] = m[2] ?? '';
  }
  return out;
}

/** The lines after a section title ("Allocations") up to the next blank line. */
export function section(text: string, title: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === title);
  if (start < 0) throw new Error(`no section "${title}" in:\n${text}`);
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** A column table (header row first) as one object per row, keyed by the header's names. */
export function table(text: string): Record<string, string>[] {
  const [header, ...rows] = text.split('\n').filter((l) => l.trim() !== '');
  if (header === undefined) return [];
  const names = header.trim().split(/ {2,}/);
  return rows.map((row) => {
    const cells = row.trim().split(/ {2,}/);
    return Object.fromEntries(names.map((n, i) => [n, cells[i] ?? '']));
  });
}

/** The header row's column names, to check their order. */
export function columns(text: string): string[] {
  const header = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return header.trim().split(/ {2,}/);
}

/**
 * Reading /proc: a process's identity (pid + start time, so a recycled pid is never mistaken for
 * our task), its session's members, and its CPU and memory counters.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** User and system time in clock ticks. */
  utimeTicks: number;
  stimeTicks: number;
  /** Start time in clock ticks after boot: with the pid, it identifies one process. */
  startTimeTicks: number;
  rssPages: number;
}

function getconf(name: string, fallback: number): number {
  try {
    const n = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : fallback;
  } catch (err) {
    // getconf missing: Linux's fixed defaults for these are 100 ticks and 4 KiB pages.
    void err;
    return fallback;
  }
}

let clockTicks: number | undefined;
let pageSize: number | undefined;
export const clockTicksPerSecond = (): number => (clockTicks ??= getconf('CLK_TCK', 100));
export const pageSizeBytes = (): number => (pageSize ??= getconf('PAGESIZE', 4096));

/** Parses /proc/<pid>/stat; undefined when the process is gone. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if (isGone(err)) return undefined;
    throw err;
  }
  return parseProcStat(text);
}

export function parseProcStat(text: string): ProcStat | undefined {
  // comm is in parentheses and may itself contain spaces or parentheses: split at the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text
    .slice(close + 2)
    .trim()
    .split(' ');
  const f = (i: number): number => Number(rest[i - 3]);
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: f(4),
    pgrp: f(5),
    session: f(6),
    utimeTicks: f(14),
    stimeTicks: f(15),
    startTimeTicks: f(22),
    rssPages: f(24),
  };
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/** Whether the process with this pid is the one that started at startTimeTicks, and not a zombie. */
export function processAlive(pid: number, startTimeTicks: number): boolean {
  const st = readProcStat(pid);
  return st !== undefined && st.startTimeTicks === startTimeTicks && st.state !== 'Z' && st.state !== 'X';
}

/** Every live process in the given session (a task started with setsid leads its own session). */
export function sessionMembers(sessionId: number): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const st = readProcStat(pid);
    if (st !== undefined && st.session === sessionId && st.state !== 'Z') out.push(st);
  }
  return out;
}

/** Memory figures from /proc/<pid>/status, in bytes; zeros when the process is gone. */
export function readProcMemory(pid: number): { rssBytes: number; swapBytes: number; fileBytes: number } {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (err) {
    if (isGone(err)) return { rssBytes: 0, swapBytes: 0, fileBytes: 0 };
    throw err;
  }
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m === null ? 0 : Number(m[1]) * 1024;
  };
  return { rssBytes: kb('VmRSS'), swapBytes: kb('VmSwap'), fileBytes: kb('RssFile') };
}

/** The process's cgroup path (v2 unified, or the v1 memory controller's). */
export function readProcCgroup(pid: number): { v2?: string; memoryV1?: string; cpuacctV1?: string } {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch (err) {
    if (isGone(err)) return {};
    throw err;
  }
  const out: { v2?: string; memoryV1?: string; cpuacctV1?: string } = {};
  for (const line of text.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (path === undefined || controllers === undefined) continue;
    if (controllers === '') out.v2 = path;
    for (const c of controllers.split(',')) {
      if (c === 'memory') out.memoryV1 = path;
      if (c === 'cpuacct') out.cpuacctV1 = path;
    }
  }
  return out;
}

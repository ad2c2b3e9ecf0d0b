// Parses a generated job file of about 1,000 lines N times and prints the median parse time.
// Usage: npm run bench -- jobspec [runs]. The last line is the result as one JSON line.
import { parseJobFile } from '../src/jobspec/parse.ts';

const RUNS_DEFAULT = 20;
const RUNS_MAX = 1000;
const LINES_TARGET = 1000;

function group(i: number): string {
  return `
  group "group-${i}" {
    count = var.count + ${i % 3}

    network {
      port "http" {
        to = ${8000 + i}
      }
    }

    service {
      name = "svc-${i}"
      port = "http"
      tags = [for t in local.tags : "\${t}-${i}"]
      check {
        type     = "http"
        path     = "/health"
        interval = "10s"
        timeout  = "2s"
      }
    }

    restart {
      attempts = 3
      delay    = "15s"
    }

    task "task-${i}" {
      driver = "docker"

      config {
        image = "\${var.image}:${i}"
        ports = ["http"]
        args  = ["--port", "\${NOMAD_PORT_http}", "--id", format("%03d", ${i})]
      }

      env {
        INDEX = "${i}"
        NAME  = upper("task-${i}")
      }

      resources {
        cpu    = ${100 + i}
        memory = 256
      }
    }
  }
`;
}

function jobFile(): string {
  const head = `
variable "image" {
  type    = string
  default = "registry.example.com/app"
}

variable "count" {
  type    = number
  default = 2
}

locals {
  tags = ["web", "bench"]
}

job "bench" {
  datacenters = ["dc1"]
`;
  let body = '';
  let i = 0;
  while ((head + body).split('\n').length < LINES_TARGET) body += group(i++);
  return `${head}${body}}\n`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const runs = Math.min(RUNS_MAX, Math.max(1, Number(process.argv[2] ?? RUNS_DEFAULT) || RUNS_DEFAULT));
const source = jobFile();
const lines = source.split('\n').length;
// The first parse loads the WebAssembly parser; it is reported apart from the steady state.
const coldStart = performance.now();
const job = await parseJobFile(source, { filename: 'bench.nomad' });
const coldMs = performance.now() - coldStart;
const times: number[] = [];
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  await parseJobFile(source, { filename: 'bench.nomad' });
  times.push(performance.now() - t0);
}
console.log(
  `parsed ${lines} lines (${job.TaskGroups.length} groups) ${runs} times; first parse ${coldMs.toFixed(1)} ms`,
);
console.log(
  JSON.stringify({
    bench: 'jobspec',
    lines,
    runs,
    parse_ms_median: Number(median(times).toFixed(2)),
    first_parse_ms: Number(coldMs.toFixed(2)),
  }),
);

/**
 * NomadClient: one object per agent address, with a typed group of methods per API area, as
 * Nomad's api.Client (client.Jobs(), client.Allocations(), ...).
 *
 *   const client = new NomadClient();             // NOMAD_ADDR, NOMAD_TOKEN, NOMAD_REGION, NOMAD_NAMESPACE
 *   const { data: jobs, meta } = await client.jobs.list();
 *   await client.jobs.list({ waitIndex: meta.lastIndex });   // blocks until a job changes
 */
import { Agent, Namespaces, Operator, Search, Status } from './agent.ts';
import { Allocations } from './allocations.ts';
import { HttpTransport } from './client.ts';
import type { ClientConfig } from './client.ts';
import { Deployments } from './deployments.ts';
import { Evaluations } from './evaluations.ts';
import { EventStream } from './events.ts';
import { AllocFS } from './fs.ts';
import { Jobs } from './jobs.ts';
import { Nodes } from './nodes.ts';

export class NomadClient {
  readonly transport: HttpTransport;
  readonly jobs: Jobs;
  readonly allocations: Allocations;
  readonly evaluations: Evaluations;
  readonly deployments: Deployments;
  readonly nodes: Nodes;
  readonly agent: Agent;
  readonly status: Status;
  readonly namespaces: Namespaces;
  readonly search: Search;
  readonly operator: Operator;
  readonly allocFS: AllocFS;
  readonly events: EventStream;

  /** Fields left out come from the environment, then the defaults (http://127.0.0.1:4646). */
  constructor(config: Partial<ClientConfig> = {}) {
    const t = new HttpTransport(config);
    this.transport = t;
    this.jobs = new Jobs(t);
    this.allocations = new Allocations(t);
    this.evaluations = new Evaluations(t);
    this.deployments = new Deployments(t);
    this.nodes = new Nodes(t);
    this.agent = new Agent(t);
    this.status = new Status(t);
    this.namespaces = new Namespaces(t);
    this.search = new Search(t);
    this.operator = new Operator(t);
    this.allocFS = new AllocFS(t);
    this.events = new EventStream(t);
  }

  get address(): string {
    return this.transport.config.address;
  }
}

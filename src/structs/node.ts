/** Nodes: the machines that run work, as their clients fingerprint and register them. */

export type NodeStatus = 'initializing' | 'ready' | 'down' | 'disconnected';
export type NodeSchedulingEligibility = 'eligible' | 'ineligible';

export interface DriverInfo {
  Attributes: Record<string, string> | null;
  Detected: boolean;
  Healthy: boolean;
  HealthDescription: string;
  UpdateTime: string; // RFC 3339
}

export interface NodeNetworkResource {
  Mode: string;
  Device: string;
  MacAddress: string;
  Speed: number;
  Addresses:
    { Family: string; Alias: string; Address: string; ReservedPorts: string; Gateway: string }[] | null;
}

export interface NodeResources {
  Cpu: { CpuShares: number; TotalCpuCores: number; ReservableCpuCores: number[] | null };
  Memory: { MemoryMB: number };
  Disk: { DiskMB: number };
  Networks: { Mode: string; Device: string; CIDR: string; IP: string; MBits: number }[] | null;
  NodeNetworks: NodeNetworkResource[] | null;
  MinDynamicPort: number;
  MaxDynamicPort: number;
}

export interface NodeReservedResources {
  Cpu: { CpuShares: number; ReservedCpuCores: number[] | null };
  Memory: { MemoryMB: number };
  Disk: { DiskMB: number };
  Networks: { ReservedHostPorts: string };
}

export interface DrainSpec {
  Deadline: number; // nanoseconds; -1 = force, 0 = no deadline
  IgnoreSystemJobs: boolean;
}

export interface DrainStrategy {
  DrainSpec: DrainSpec;
  ForceDeadline: string | null; // RFC 3339
  StartedAt: string | null;
}

export interface NodeEvent {
  Message: string;
  Subsystem: string;
  Details: Record<string, string> | null;
  Timestamp: string; // RFC 3339
  CreateIndex: number;
}

export interface HostVolume {
  Name: string;
  Path: string;
  ReadOnly: boolean;
}

export interface Node {
  ID: string;
  SecretID: string;
  Datacenter: string;
  Name: string;
  HTTPAddr: string;
  TLSEnabled: boolean;
  Attributes: Record<string, string>;
  NodeResources: NodeResources;
  ReservedResources: NodeReservedResources | null;
  Links: Record<string, string> | null;
  Meta: Record<string, string>;
  NodeClass: string;
  NodePool: string;
  ComputedClass: string;
  DrainStrategy: DrainStrategy | null;
  SchedulingEligibility: NodeSchedulingEligibility;
  Status: NodeStatus;
  StatusDescription: string;
  StatusUpdatedAt: number; // unix seconds, as Nomad
  Events: NodeEvent[] | null;
  Drivers: Record<string, DriverInfo>;
  HostVolumes: Record<string, HostVolume> | null;
  LastDrain: unknown;
  CreateIndex: number;
  ModifyIndex: number;
}

export function nodeReady(n: Pick<Node, 'Status' | 'SchedulingEligibility' | 'DrainStrategy'>): boolean {
  return n.Status === 'ready' && n.SchedulingEligibility === 'eligible' && n.DrainStrategy === null;
}

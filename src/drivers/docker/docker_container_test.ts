import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskConfig } from '../driver.ts';
import { containerName, containerSpec, type ContainerPolicy } from './docker_container.ts';

const policy: ContainerPolicy = {
  allowPrivileged: false,
  volumesEnabled: false,
  allowCaps: ['chown', 'kill'],
  mhzPerCore: 2000,
};

function task(driverConfig: Record<string, unknown>, extra: Partial<TaskConfig> = {}): TaskConfig {
  return {
    id: 'a1b2/redis',
    allocId: 'a1b2c3d4-0000-4000-8000-000000000001',
    taskName: 'redis',
    jobName: 'example',
    groupName: 'cache',
    namespace: 'default',
    env: { NOMAD_TASK_NAME: 'redis', A: 'b=c' },
    user: '',
    driverConfig,
    resources: { cpuMhz: 500, cores: 0, memoryMb: 256, memoryMaxMb: 0 },
    ports: [
      { label: 'db', hostPort: 23456, to: 6379, hostIp: '127.0.0.1' },
      { label: 'http', hostPort: 28080, to: 0, hostIp: '10.0.0.5' },
    ],
    allocDir: '/var/nomad/alloc/a1b2',
    taskDir: '/var/nomad/alloc/a1b2/redis',
    stdoutPath: '/dev/null',
    stderrPath: '/dev/null',
    ...extra,
  };
}

test("the container gets Nomad's name, labels, env, command, binds of the alloc dirs and limits", () => {
  const cfg = task({
    image: 'redis:7',
    command: 'redis-server',
    args: ['--port', '6379'],
    labels: { team: 'cache' },
  });
  assert.equal(containerName(cfg), 'redis-a1b2c3d4-0000-4000-8000-000000000001');
  const spec = containerSpec(cfg, policy);
  assert.equal(spec['Image'], 'redis:7');
  assert.deepEqual(spec['Cmd'], ['redis-server', '--port', '6379']);
  assert.deepEqual(spec['Env'], ['NOMAD_TASK_NAME=redis', 'A=b=c']);
  assert.deepEqual(spec['Labels'], {
    team: 'cache',
    'com.hashicorp.nomad.alloc_id': 'a1b2c3d4-0000-4000-8000-000000000001',
    'com.hashicorp.nomad.job_name': 'example',
    'com.hashicorp.nomad.task_group_name': 'cache',
    'com.hashicorp.nomad.task_name': 'redis',
    'com.hashicorp.nomad.namespace': 'default',
  });
  const hc = spec.HostConfig;
  assert.deepEqual(hc['Binds'], [
    '/var/nomad/alloc/a1b2/alloc:/alloc',
    '/var/nomad/alloc/a1b2/redis/local:/local',
    '/var/nomad/alloc/a1b2/redis/secrets:/secrets',
  ]);
  assert.equal(hc['Memory'], 256 * 1024 * 1024);
  assert.equal(hc['MemorySwap'], 256 * 1024 * 1024);
  assert.equal(hc['MemoryReservation'], undefined);
  assert.equal(hc['CpuShares'], 500);
  assert.equal(hc['PortBindings'], undefined, 'ports are published only when the task names them');
});

test('ports named by the task are published from the host port (on its IP) to `to`, or the same number', () => {
  const spec = containerSpec(task({ image: 'redis:7', ports: ['db', 'http'] }), policy);
  assert.deepEqual(spec['ExposedPorts'], {
    '6379/tcp': {},
    '6379/udp': {},
    '28080/tcp': {},
    '28080/udp': {},
  });
  assert.deepEqual(spec.HostConfig['PortBindings'], {
    '6379/tcp': [{ HostIp: '127.0.0.1', HostPort: '23456' }],
    '6379/udp': [{ HostIp: '127.0.0.1', HostPort: '23456' }],
    '28080/tcp': [{ HostIp: '10.0.0.5', HostPort: '28080' }],
    '28080/udp': [{ HostIp: '10.0.0.5', HostPort: '28080' }],
  });
  const legacy = containerSpec(task({ image: 'redis:7', port_map: { http: '80' } }), policy);
  assert.deepEqual(legacy.HostConfig['PortBindings'], {
    '80/tcp': [{ HostIp: '10.0.0.5', HostPort: '28080' }],
    '80/udp': [{ HostIp: '10.0.0.5', HostPort: '28080' }],
  });
  assert.throws(
    () => containerSpec(task({ image: 'redis:7', ports: ['nope'] }), policy),
    /Port "nope" not found, check network block/,
  );
  const host = containerSpec(task({ image: 'redis:7', ports: ['db'], network_mode: 'host' }), policy);
  assert.equal(host.HostConfig['PortBindings'], undefined);
});

test('memory_max (or memory_hard_limit) is the hard limit with memory as the reservation; cpu_hard_limit sets a CFS quota', () => {
  const overs = containerSpec(
    task({ image: 'x' }, { resources: { cpuMhz: 1000, cores: 0, memoryMb: 128, memoryMaxMb: 512 } }),
    policy,
  );
  assert.equal(overs.HostConfig['Memory'], 512 * 1024 * 1024);
  assert.equal(overs.HostConfig['MemoryReservation'], 128 * 1024 * 1024);
  const hard = containerSpec(task({ image: 'x', memory_hard_limit: 300, cpu_hard_limit: true }), policy);
  assert.equal(hard.HostConfig['Memory'], 300 * 1024 * 1024);
  assert.equal(hard.HostConfig['CpuPeriod'], 100_000);
  assert.equal(hard.HostConfig['CpuQuota'], 25_000, '500 MHz of a 2000 MHz core is a quarter of each period');
});

test('policy refuses privileged containers, absolute host paths and caps not allowlisted, naming them', () => {
  assert.throws(
    () => containerSpec(task({ image: 'x', privileged: true }), policy),
    /privileged mode is disabled/,
  );
  assert.throws(
    () => containerSpec(task({ image: 'x', volumes: ['/etc:/host-etc'] }), policy),
    /"\/etc" is an absolute host path/,
  );
  assert.throws(
    () => containerSpec(task({ image: 'x', cap_add: ['net_admin', 'kill'] }), policy),
    /allowlisted on this Nomad agent: \[net_admin\]/,
  );
  const ok = containerSpec(
    task({ image: 'x', privileged: true, volumes: ['/etc:/host-etc:ro', 'local/x:/x', 'named:/n'] }),
    {
      ...policy,
      allowPrivileged: true,
      volumesEnabled: true,
    },
  );
  assert.deepEqual((ok.HostConfig['Binds'] as string[]).slice(3), [
    '/etc:/host-etc:ro',
    '/var/nomad/alloc/a1b2/redis/local/x:/x',
    'named:/n',
  ]);
});

test("mounts, ulimits, devices and logging become the engine's shapes", () => {
  const spec = containerSpec(
    task({
      image: 'x',
      mount: [
        { type: 'bind', source: 'local/conf', target: '/etc/conf', readonly: true },
        { type: 'tmpfs', target: '/scratch', tmpfs_options: [{ size: 1024 }] },
      ],
      ulimit: { nofile: '1024:2048', nproc: 64 },
      devices: [{ host_path: '/dev/fuse' }],
      logging: { type: 'json-file', config: { 'max-size': '10m' } },
    }),
    policy,
  );
  assert.deepEqual(spec.HostConfig['Mounts'], [
    { Type: 'bind', Target: '/etc/conf', ReadOnly: true, Source: '/var/nomad/alloc/a1b2/redis/local/conf' },
    { Type: 'tmpfs', Target: '/scratch', ReadOnly: false, TmpfsOptions: { SizeBytes: 1024, Mode: 0 } },
  ]);
  assert.deepEqual(spec.HostConfig['Ulimits'], [
    { Name: 'nofile', Soft: 1024, Hard: 2048 },
    { Name: 'nproc', Soft: 64, Hard: 64 },
  ]);
  assert.deepEqual(spec.HostConfig['Devices'], [
    { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' },
  ]);
  assert.deepEqual(spec.HostConfig['LogConfig'], { Type: 'json-file', Config: { 'max-size': '10m' } });
});

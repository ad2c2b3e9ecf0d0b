import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateDockerConfig } from './docker_config.ts';
import { imageName, parseImageRef } from './docker_image.ts';

test("a full docker config in Nomad's shapes is valid, blocks as objects or lists of objects", () => {
  const config = {
    image: 'redis:7',
    command: '/usr/bin/redis-server',
    args: ['--port', '6379'],
    entrypoint: ['/bin/sh', '-c'],
    ports: ['db'],
    port_map: [{ db: '6379' }],
    labels: { team: 'cache', tier: 1 },
    volumes: ['local/data:/data:ro', 'named:/cache'],
    mount: [{ type: 'tmpfs', target: '/scratch', tmpfs_options: { size: 1000000 } }],
    network_mode: 'bridge',
    hostname: 'cache',
    work_dir: '/data',
    privileged: 'false',
    cap_add: ['net_raw'],
    cap_drop: ['all'],
    dns_servers: ['1.1.1.1'],
    extra_hosts: ['db:10.0.0.1'],
    force_pull: false,
    auth: { username: 'u', password: 'p' },
    logging: [{ type: 'json-file', config: [{ 'max-size': '10m' }] }],
    ulimit: { nofile: '1024:2048' },
    shm_size: 67108864,
    init: true,
    readonly_rootfs: true,
    security_opt: ['no-new-privileges'],
    devices: [{ host_path: '/dev/fuse' }],
    ipc_mode: 'host',
    pid_mode: 'host',
    memory_hard_limit: 512,
    cpu_hard_limit: true,
    image_pull_timeout: '10m',
    load: 'redis.tar',
  };
  assert.deepEqual(validateDockerConfig(config), []);
});

test('docker config validation names every unknown key and wrong type, nested ones by path', () => {
  const errors = validateDockerConfig({
    image: 'redis:7',
    imagee: 'typo',
    args: 'not-a-list',
    port_map: { db: 'not-a-number' },
    mount: [{ type: 'nfs', target: '/x', sourc: '/y' }, { type: 'bind' }],
    auth: [{ username: 'a' }, { username: 'b' }],
    image_pull_timeout: 'soon',
    privileged: 'yes',
    volumes: ['just-a-path'],
  });
  assert.deepEqual(errors, [
    'Invalid driver config: "args" must be of type string[]: current value is "not-a-list" (string)',
    'Invalid driver config: only one "auth" block is allowed: found 2',
    'Invalid driver config: "image_pull_timeout" must be of type duration: current value is "soon" (string)',
    'Invalid driver config: unsupported argument "imagee"',
    'Invalid driver config: unsupported argument "mount[0].sourc"',
    'Invalid driver config: "port_map" must be of type map[string]number: current value is {"db":"not-a-number"} (object)',
    'Invalid driver config: "privileged" must be of type bool: current value is "yes" (string)',
    'Invalid driver config: "mount[0].type" must be "bind", "volume" or "tmpfs": current value is "nfs"',
    'Invalid driver config: missing required argument "mount[1].target"',
    'Invalid driver config: "volumes" entry "just-a-path" must be "host_path:container_path[:mode]"',
  ]);
});

test('an image is required', () => {
  assert.deepEqual(validateDockerConfig({ command: 'x' }), [
    'Invalid driver config: missing required argument "image"',
  ]);
  assert.match(validateDockerConfig({ image: 7 })[0]!, /"image" must be of type string/);
});

test('parseImageRef() splits registry, repository, tag and digest', () => {
  assert.deepEqual(parseImageRef('redis'), { repo: 'redis', tag: 'latest', digest: '' });
  assert.deepEqual(parseImageRef('redis:7'), { repo: 'redis', tag: '7', digest: '' });
  assert.deepEqual(parseImageRef('localhost:5000/team/app'), {
    repo: 'localhost:5000/team/app',
    tag: 'latest',
    digest: '',
  });
  assert.deepEqual(parseImageRef('localhost:5000/app:1.2@sha256:abc'), {
    repo: 'localhost:5000/app',
    tag: '1.2',
    digest: 'sha256:abc',
  });
  assert.equal(imageName(parseImageRef('app@sha256:abc')), 'app@sha256:abc');
  assert.equal(imageName(parseImageRef('busybox')), 'busybox:latest');
});

import { runDriverConformance } from '../conformance_test_suite.ts';
import { DockerDriver } from './docker_driver.ts';

runDriverConformance({
  name: 'docker',
  newDriver: () => new DockerDriver(),
  taskConfigFor: (script) => ({ image: 'busybox:1', command: '/bin/sh', args: ['-c', script] }),
  wrongType: { key: 'args', value: 'not-a-list' },
  needs: { docker: true },
});

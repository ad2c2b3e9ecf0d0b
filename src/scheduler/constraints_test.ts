import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  constraintEscapes,
  constraintString,
  meetsConstraint,
  PatternCache,
  resolveTarget,
} from './constraints.ts';
import { mockNode } from './testing/mock.ts';

const node = mockNode(7, {
  datacenter: 'us-east-1a',
  nodeClass: 'large',
  pool: 'prod',
  attributes: {
    'kernel.version': '5.10.0',
    'cpu.numcores': '8',
    'driver.docker.version': '24.0.7',
    'os.name': 'ubuntu',
    'unique.network.ip-address': '10.0.0.7',
    ratio: '1.5',
  },
  meta: { rack: 'r1', tags: 'ssd, gpu,fast', release: '1.2.0-beta.1' },
});

// [LTarget, Operand, RTarget, expected]
const cases: [string, string, string, boolean][] = [
  ['${attr.kernel.name}', '=', 'linux', true],
  ['${attr.kernel.name}', '==', 'linux', true],
  ['${attr.kernel.name}', 'is', 'windows', false],
  ['${attr.missing}', '=', '', false],
  ['${attr.kernel.name}', '!=', 'windows', true],
  ['${attr.kernel.name}', 'not', 'linux', false],
  ['${attr.missing}', '!=', 'x', true],
  ['${attr.cpu.numcores}', '>', '4', true],
  ['${attr.cpu.numcores}', '>=', '8', true],
  ['${attr.cpu.numcores}', '<', '10', true],
  ['${attr.cpu.numcores}', '<=', '7', false],
  ['${attr.ratio}', '<', '1.75', true],
  ['${attr.os.name}', '<', 'zebra', true],
  ['${attr.missing}', '<', '1', false],
  ['${attr.kernel.version}', 'version', '>= 5.4, < 6.0', true],
  ['${attr.kernel.version}', 'version', '~> 5.9', true],
  ['${attr.kernel.version}', 'version', '~> 5.9.1', false],
  ['${attr.driver.docker.version}', 'version', '> 24.0.6', true],
  ['${meta.release}', 'version', '>= 1.0.0', false],
  ['${meta.release}', 'semver', '>= 1.0.0', true],
  ['${meta.release}', 'semver', '>= 1.2.0', false],
  ['${attr.kernel.version}', 'semver', '~> 5.9', false],
  ['${attr.kernel.version}', 'version', 'not a version', false],
  ['${attr.os.name}', 'regexp', '^ubu.*u$', true],
  ['${attr.os.name}', 'regexp', '^debian', false],
  ['${attr.os.name}', 'regexp', '([', false],
  ['${meta.tags}', 'set_contains', 'ssd,fast', true],
  ['${meta.tags}', 'set_contains_all', 'ssd,nvme', false],
  ['${meta.tags}', 'set_contains_any', 'nvme,gpu', true],
  ['${meta.tags}', 'set_contains_any', 'nvme,hdd', false],
  ['${meta.rack}', 'is_set', '', true],
  ['${meta.zone}', 'is_set', '', false],
  ['${meta.zone}', 'is_not_set', '', true],
  ['${meta.rack}', 'is_not_set', '', false],
  ['${node.unique.id}', '=', node.ID, true],
  ['${node.unique.name}', '=', 'node-7', true],
  ['${node.datacenter}', 'regexp', '^us-east', true],
  ['${node.class}', '=', 'large', true],
  ['${node.pool}', '=', 'prod', true],
  ['${meta.rack}', 'distinct_hosts', 'true', true],
  ['${meta.rack}', 'distinct_property', '1', true],
  ['${meta.rack}', 'bogus_operator', 'r1', false],
];

for (const [l, op, r, want] of cases) {
  test(`meetsConstraint() says ${want} for "${l} ${op} ${r}"`, () => {
    assert.equal(meetsConstraint(new PatternCache(), { LTarget: l, Operand: op, RTarget: r }, node), want);
  });
}

test('resolveTarget() treats text without ${ as a literal and unknown interpolations as missing', () => {
  assert.deepEqual(resolveTarget('linux', node), { value: 'linux', found: true });
  assert.deepEqual(resolveTarget('${env.HOME}', node), { value: '', found: false });
  assert.deepEqual(resolveTarget('${meta.rack}', node), { value: 'r1', found: true });
});

test('constraintString() prints a constraint as Nomad does in metrics', () => {
  assert.equal(
    constraintString({ LTarget: '${attr.kernel.name}', Operand: '=', RTarget: 'linux' }),
    '${attr.kernel.name} = linux',
  );
});

test('constraintEscapes() flags constraints on unique node attributes only', () => {
  assert.equal(constraintEscapes({ LTarget: '${node.unique.id}', RTarget: 'x' }), true);
  assert.equal(constraintEscapes({ LTarget: '${attr.unique.network.ip-address}', RTarget: 'x' }), true);
  assert.equal(constraintEscapes({ LTarget: '${attr.kernel.name}', RTarget: 'linux' }), false);
});

// Lint rules that hold the architecture in place (see ARCHITECTURE.md): imports run one way,
// pure cores touch no I/O, and the FSM, the state store and the scheduler use no clock or randomness.
import tseslint from 'typescript-eslint';

// Which src/ areas each area may import from (besides itself).
const allowed = {
  lib: [],
  structs: ['lib'],
  jobspec: ['lib', 'structs'],
  state: ['lib', 'structs'],
  fsm: ['lib', 'structs', 'state'],
  scheduler: ['lib', 'structs', 'state'],
  raft: ['lib', 'rpc'],
  rpc: ['lib'],
  drivers: ['lib', 'structs'],
  client: ['lib', 'structs', 'drivers', 'rpc'],
  server: ['lib', 'structs', 'state', 'fsm', 'scheduler', 'raft', 'rpc', 'jobspec'],
  api: ['lib', 'structs'],
  http: [
    'lib',
    'structs',
    'jobspec',
    'state',
    'fsm',
    'scheduler',
    'server',
    'client',
    'drivers',
    'raft',
    'rpc',
    'api',
  ],
  agent: [
    'lib',
    'structs',
    'jobspec',
    'state',
    'fsm',
    'scheduler',
    'server',
    'client',
    'drivers',
    'raft',
    'rpc',
    'http',
    'api',
  ],
  // The CLI sees the API client and the model; `nomad agent` reaches the agent through one file.
  cli: ['lib', 'structs', 'jobspec', 'api'],
  sim: ['lib', 'structs', 'state', 'fsm', 'scheduler', 'server', 'client', 'drivers', 'raft', 'rpc'],
};
const areas = Object.keys(allowed);
// Areas that must stay pure: no node:* modules (time, randomness and I/O come in as parameters).
const pure = ['lib', 'structs', 'jobspec', 'state', 'fsm', 'scheduler', 'raft'];

const clockAndRandomness = [
  {
    selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
    message: 'No clock here: take the time from the log entry or a parameter.',
  },
  {
    selector: "NewExpression[callee.name='Date'][arguments.length=0]",
    message: 'No clock here: take the time from the log entry or a parameter.',
  },
  {
    selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
    message: 'No randomness here: take a seeded source as a parameter.',
  },
  {
    selector: "CallExpression[callee.name='randomUUID'], CallExpression[callee.property.name='randomUUID']",
    message: 'No random IDs here: IDs travel inside the log entry.',
  },
  {
    selector: "CallExpression[callee.object.name='performance'][callee.property.name='now']",
    message: 'No clock here: take the time as a parameter.',
  },
];

function importRulesFor(area, { io = false } = {}) {
  const banned = areas.filter((a) => a !== area && !allowed[area].includes(a));
  const patterns = banned.map((a) => ({
    group: [`**/${a}/*`, `../${a}/*`, `../../${a}/*`],
    message: `src/${area} may not import from src/${a} (ARCHITECTURE.md: imports run one way).`,
  }));
  if (pure.includes(area) && !io) {
    patterns.push({
      group: ['node:*', 'fs', 'net', 'http', 'child_process', 'os', 'crypto'],
      message: `src/${area} is a pure core: I/O, time and randomness come in as parameters.`,
    });
  }
  return { 'no-restricted-imports': ['error', { patterns }] };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'ui/**', 'test/fixtures/**'] },
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-dynamic-delete': 'off',
      'no-console': 'off',
    },
  },
  ...areas.map((area) => ({
    files: [`src/${area}/**/*.ts`],
    ignores: ['src/**/*_test.ts'],
    rules: importRulesFor(area),
  })),
  {
    // The one door from the CLI into the agent: `nomad agent` starts one.
    files: ['src/cli/agent_command.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The raft driver does the I/O for the pure raft core.
    files: ['src/raft/driver/**/*.ts'],
    rules: importRulesFor('raft', { io: true }),
  },
  {
    files: ['src/fsm/**/*.ts', 'src/state/**/*.ts', 'src/scheduler/**/*.ts'],
    ignores: ['src/**/*_test.ts'],
    rules: { 'no-restricted-syntax': ['error', ...clockAndRandomness] },
  },
);

// The nomad program: one binary that is both the command line and the agent.
import { main } from './cli/main.ts';

process.exitCode = await main(process.argv.slice(2));

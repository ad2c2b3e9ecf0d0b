// Placeholder entry: replaced by the command registry (see src/cli).
export async function main(args: readonly string[]): Promise<number> {
  if (args[0] === 'version') {
    console.log('Nomad v0.1.0');
    return 0;
  }
  console.error(`Unknown command: ${args.join(' ')}`);
  return 1;
}

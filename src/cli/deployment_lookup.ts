/** Finding a deployment by ID or prefix, shared by the deployment commands. */
import type { NomadClient } from '../api/index.ts';
import type { Deployment } from '../structs/deployment.ts';
import { formatDeploymentList } from './formatters.ts';
import { byPrefix, CliError } from './lookup.ts';

export async function findDeployment(api: NomadClient, id: string, length: number): Promise<Deployment> {
  const found = await byPrefix(id, async (p) => (await api.deployments.prefixList(p)).data);
  if (found.kind === 'none')
    throw new CliError(`Error retrieving deployment: Deployment ID "${id}" matched no deployments`);
  if (found.kind === 'many')
    throw new CliError(`Prefix matched multiple deployments\n\n${formatDeploymentList(found.items, length)}`);
  return found.item;
}

/** Connecting the CLI to Temporal: an existing server, or the local dev server. */
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ensureTemporal, workerConnection, type TemporalTarget } from '../server/dev-server.ts';
import { createSpellWorker } from '../spell-worker.ts';
import { providersFromEnv } from '../models/providers.ts';
import { startSpell } from '../client.ts';
import { USAGE_SEARCH_ATTRIBUTES } from '../workflows/api.ts';
import { home, mcpServersFromEnv, type LoadedSpell } from './options.ts';

export async function connect(address: string | undefined) {
  const target = await ensureTemporal({ ...(address ? { address } : {}), stateDir: home() });
  const connection = await Connection.connect({ address: target.address });
  const client = new Client({ connection, namespace: target.namespace });
  return { target, connection, client };
}

/** A spell worker in this process, with the providers and MCP servers of the environment. */
export async function spellWorker(target: TemporalTarget, client: Client, taskQueue: string | undefined) {
  return createSpellWorker({
    connection: await workerConnection(target),
    client,
    namespace: target.namespace,
    ...(taskQueue ? { taskQueue } : {}),
    cacheDir: join(home(), 'cache'),
    providers: providersFromEnv(),
    mcpServers: mcpServersFromEnv(),
  });
}

/** True when the namespace has llmspell's usage search attributes registered. */
async function hasUsageSearchAttributes(client: Client): Promise<boolean> {
  try {
    const { customAttributes } = await (client.connection as Connection).operatorService.listSearchAttributes({ namespace: client.options.namespace });
    return Object.values(USAGE_SEARCH_ATTRIBUTES).every((name) => customAttributes && name in customAttributes);
  } catch {
    return false; // e.g. Temporal Cloud without operator access: keep the memo only
  }
}

/** Starts a spell read by loadSpell, with the run options given on the command line. */
export async function startLoaded(client: Client, spell: LoadedSpell) {
  const searchAttributes = await hasUsageSearchAttributes(client);
  return startSpell(client, {
    source: spell.source,
    fileName: spell.file,
    engine: spell.engine,
    ...(spell.input !== undefined ? { input: spell.input } : {}),
    options: { ...spell.options, ...(searchAttributes ? { searchAttributes } : {}) },
    ...(spell.values['task-queue'] ? { taskQueue: spell.values['task-queue'] } : {}),
    ...(spell.values.id ? { workflowId: spell.values.id } : {}),
  });
}

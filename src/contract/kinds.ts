/**
 * Call kinds by class. Pure calls (`state.*`, `log.*`, `json.*`, `event.emit`) run inline in
 * the engine; effects (`llm.*`, `agent.run`, `tool.call`) and steps run in the activity;
 * commands are carried out by the workflow. The bridge registry declares every kind with its
 * schema and docs; this table is what the workflow needs: which kinds it carries out.
 */
export type CallClass = 'pure' | 'effect' | 'command';

export const COMMAND_KINDS = [
  'sleep',
  'signal.wait',
  'parallel',
  'spell.spawn',
  'spell.wait',
  'spell.signal',
  'spell.cancel',
  'spell.continue_as_new',
] as const;

export type CommandKind = (typeof COMMAND_KINDS)[number];

export function isCommand(kind: string): kind is CommandKind {
  return (COMMAND_KINDS as readonly string[]).includes(kind);
}

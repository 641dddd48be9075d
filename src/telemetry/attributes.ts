/**
 * Span attribute names: llmspell's own, and OpenTelemetry's GenAI conventions where one fits.
 * Pure (the workflow sandbox's interceptors use them too).
 */
export const ATTR = {
  /** Bridge call spans: the call's kind (`llm.generate`, `tool.call`, `step`, …), name and journal path. */
  kind: 'llmspell.call.kind',
  name: 'llmspell.call.name',
  path: 'llmspell.call.path',
  /** Activity spans: the chain the activity runs (`main`, or a branch's path such as `3/1`). */
  chain: 'llmspell.chain',
  /** StartActivity spans: the activity's summary, as the Temporal UI shows it. */
  summary: 'llmspell.summary',
  scheduled: 'llmspell.scheduled',
  local: 'llmspell.local',
  /** Where the activity's re-execution stopped: `boundary`, `done`, `failed` or `retry`. */
  outcome: 'llmspell.outcome',
  /** RunWorkflow spans. */
  spell: 'llmspell.spell',
  engine: 'llmspell.engine',
  parent: 'llmspell.parent',
  generation: 'llmspell.generation',
  childWorkflowId: 'llmspell.child.workflow_id',
  /** Model calls: the model that answered, tokens and cost. */
  model: 'llmspell.model',
  cost: 'llmspell.cost_usd',
  totalTokens: 'llmspell.usage.total_tokens',
  retryable: 'llmspell.retryable',
  operation: 'gen_ai.operation.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  toolName: 'gen_ai.tool.name',
  errorType: 'error.type',
} as const;

/** The chain attribute: a branch's path, `main` for the main line (whose path is empty). */
export const chainName = (chain: string) => (chain === '' ? 'main' : chain);

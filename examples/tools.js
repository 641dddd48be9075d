// tools.js: a tool written in the script, used by an agent. (Tool calling needs a model that
// can call tools: --model local:smollm2 (offline, on the CPU) or e.g. openai:gpt-4o-mini;
// the default offline:echo model just answers.)
tool.define({
  name: 'word_count',
  description: 'Counts the words of a text',
  schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  fn: (args) => ({ words: args.text.split(/\s+/).filter(Boolean).length }),
});
const counter = agent.create({ name: 'counter', instructions: 'Use word_count to answer.', tools: ['word_count'], max_steps: 3 });
const r = await counter.run("How many words are in 'durable spells never forget'?");
return { answer: r.text, steps: r.steps.length, tools: tool.list() };

// supervisor.js: three agents answer in parallel (each branch its own chain of activities),
// then the supervisor merges their answers. Try it on the local model: --model local:smollm2
tool.define({
  name: 'lookup',
  description: 'Looks up a short fact about a topic',
  schema: { type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'] },
  fn: (args) => ({ fact: 'Temporal records every step of ' + args.topic + ' in its history.' }),
});
const topic = input?.topic ?? 'durable spells';
const roles = [
  { name: 'optimist', instructions: 'Call the lookup tool once, then name one benefit in one sentence.' },
  { name: 'skeptic', instructions: 'Call the lookup tool once, then name one risk in one sentence.' },
  { name: 'historian', instructions: 'Call the lookup tool once, then give one historical note in one sentence.' },
];
const answers = await parallel.map(roles, async (role) => {
  const a = agent.create({ name: role.name, instructions: role.instructions, tools: ['lookup'], max_steps: 3, max_tokens: 64 });
  const r = await a.run('Topic: ' + topic);
  return { role: role.name, text: r.text, steps: r.steps.length };
});
const views = answers.map((answer) => answer.role + ': ' + answer.text);
const merged = await llm.generate({ system: 'Merge the views into two sentences.', prompt: views.join('\n'), max_tokens: 96 });
return { answers, summary: merged.text };

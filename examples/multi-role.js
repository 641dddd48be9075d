// multi-role.js: a writer and a critic hand work over through run state, each call a durable step.
const draft = await step('writer', async () =>
  (await llm.generate({ system: 'You are a writer.', prompt: 'Write one line about autumn.', max_tokens: 30 })).text);
state.set('draft', draft);
const critique = await step('critic', async () =>
  (await llm.generate({ system: 'You are a critic. One short sentence.', prompt: 'Critique: ' + state.get('draft'), max_tokens: 30 })).text);
state.set('critique', critique);
return { draft, critique };

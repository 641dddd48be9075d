// Three branches: a model call, a tool call that also sets state, a pure value.
const results = await parallel([
  async () => (await llm.generate({ prompt: 'a' })).text,
  async () => {
    state.set('b', 2);
    return await tool.call('add', { a: 1, b: 1 });
  },
  () => 'pure',
], { concurrency: 2 });
return { results, b: state.get('b') };

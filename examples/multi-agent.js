// multi-agent.js: two agents hand work over through run state; each run is a durable effect.
const writer = agent.create({ name: 'writer', instructions: 'Write one vivid sentence.', max_steps: 2 });
const editor = agent.create({ name: 'editor', instructions: 'Improve the sentence you are given.', max_steps: 2 });
state.set('draft', (await writer.run('A sentence about a lighthouse in fog.')).text);
state.set('final', (await editor.run(state.get('draft'))).text);
return { draft: state.get('draft'), final: state.get('final') };

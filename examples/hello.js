// hello.js: one LLM call, some state, an event, and a result.
// The file is the body of an async function: top-level await and return work; `input` is spell.input.
const name = input?.name ?? 'world';
state.set('greeted', name);

const reply = await llm.generate({
  system: 'You are a friendly greeter.',
  prompt: `Say hello to ${name}`,
});
event.emit('greeting', { text: reply.text });

const summary = await step('summarize', async () => {
  const r = await llm.generate({ prompt: `Summarize: ${reply.text}`, max_tokens: 16 });
  return { summary: r.text, tokens: r.usage.total_tokens };
});

return { greeting: reply.text, summary: summary.summary, greeted: state.get('greeted') };

// Continues as new twice: the same run id, a fresh journal, the new input, the state kept.
const n = input.n;
const count = (state.get('count') ?? 0) + (await llm.generate({ prompt: 'round ' + n })).usage.output_tokens;
state.set('count', count);
if (n < 3) await spell.continue_as_new({ n: n + 1 });
const h = spell.history();
return { n, count, events: h.events > 0 && h.events < 100, usage: spell.usage().calls };

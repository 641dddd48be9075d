// chat.js: a short multi-turn chat; the history lives in run state, queryable from outside.
/** @type {ChatMessage[]} */
const history = [{ role: 'user', content: input?.question ?? 'What is a spell?' }];
const first = await llm.generate({ system: 'You answer in one sentence.', messages: history, max_tokens: 40 });
history.push({ role: 'assistant', content: first.text });
history.push({ role: 'user', content: 'Say it in five words.' });
const second = await llm.generate({ system: 'You answer in one sentence.', messages: history, max_tokens: 20 });
state.set('history', history);
return { first: first.text, second: second.text };

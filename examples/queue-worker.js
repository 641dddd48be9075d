// queue-worker.js: waits for jobs (`llmspell signal <run> job '{"text": "..."}'`) forever and
// continues as new every 20 jobs, so its history never grows past a few hundred events.
// Send {"stop": true} to end it.
let done = input?.done ?? 0;
for (let i = 0; i < 20; i++) {
  const job = await signal.wait('job');
  if (job.stop) return { done, last: state.get('last') };
  state.set('last', (await llm.generate({ prompt: 'Summarize: ' + job.text, max_tokens: 48 })).text);
  done += 1;
}
await spell.continue_as_new({ done });

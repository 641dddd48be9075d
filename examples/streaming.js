// streaming.js: chunks arrive in on_chunk; they are journaled, so a replay sees the same ones.
let chunks = 0;
const story = await llm.stream({
  prompt: 'Tell a two-sentence story about a lighthouse.',
  max_tokens: 48,
  on_chunk: () => { chunks += 1; },
});
event.emit('streamed', { chunks: story.chunks.length });
return { story: story.text, chunks };

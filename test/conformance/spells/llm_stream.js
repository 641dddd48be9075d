const seen = [];
const r = await llm.stream({ prompt: 'one two three', on_chunk: (chunk) => { seen.push(chunk); } });
return { text: r.text, chunks: r.chunks, seen, finish: r.finish_reason };

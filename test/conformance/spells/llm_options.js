const r = await llm.generate({ model: "offline:echo", prompt: "one two three four five", temperature: 0.2, max_tokens: 3 });
return r.text;

const r = await llm.generate({ prompt: "hello" });
return r.text;

await llm.generate({ prompt: "ignored" });
return undefined;

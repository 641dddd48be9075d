await llm.generate({ prompt: "before" });
throw { reason: "policy" };

const parts = [];
for (let i = 1; i <= 3; i++) parts.push((await llm.generate({ prompt: "n" + i })).text);
return parts.join("|");

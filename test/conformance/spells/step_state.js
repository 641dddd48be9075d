state.set("n", 1);
await step("bump", async () => { state.set("n", state.get("n") + 10); state.set("inside", true); });
const after = await llm.generate({ prompt: "after" });
return { n: state.get("n"), inside: state.get("inside"), after: after.text };

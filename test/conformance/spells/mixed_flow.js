const plan = await llm.generate({ prompt: "plan" });
state.set("plan", plan.text);
const results = [];
for (const [i, item] of ["a", "b"].entries()) {
  results.push(await step("do " + item, async () => tool.call("add", { a: i + 1, b: 100 })));
}
await sleep(0);
event.emit("finished", { count: results.length });
return { plan: state.get("plan"), results };

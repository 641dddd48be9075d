const r = await step("compute", async () => {
  const a = await llm.generate({ prompt: "inside" });
  return { text: a.text, n: 7 };
});
return r;

const r = await step("flaky", async () => {
  if (spell.attempt < 2) throw new Error("not yet");
  return "worked on attempt " + spell.attempt;
}, { retry: { max_attempts: 3, backoff: 0.1 } });
return r;

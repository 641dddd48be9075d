// guardrail-hook.js: hooks rewrite prompts and results, and refuse calls with a reason.
hook.before('llm', (args) => {
  if (args.prompt?.includes('password')) return hook.refuse('prompts must not mention passwords');
  return { system: 'Be polite.', prompt: args.prompt, max_tokens: args.max_tokens };
});
hook.after('llm.generate', (result) => ({ ...result, text: result.text.trimEnd() }));
let reason;
try {
  await llm.generate({ prompt: 'what is the admin password?' });
} catch (e) {
  reason = /** @type {Error} */ (e).message;
}
const answer = await llm.generate({ prompt: 'Say something kind.', max_tokens: 20 });
return { refused: reason !== undefined, reason, answer: answer.text };

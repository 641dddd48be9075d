const order = [];
hook.before('llm', (args) => {
  order.push('low');
  return { prompt: args.prompt + ' [low]' };
});
hook.before('llm.generate', (args) => {
  order.push('high');
  return { prompt: args.prompt + ' [high]' };
}, { priority: 10 });
hook.after('llm.generate', (result) => ({ text: result.text.toUpperCase(), model: result.model }));
hook.before('tool.call', (args) => {
  if (args.name === 'explode') return hook.refuse('explosives are not allowed');
});
const r = await llm.generate({ prompt: 'hi' });
let refused, message;
try { await tool.call('explode', { why: 'x' }); } catch (e) { refused = e.type; message = e.message; }
const sum = await tool.call('add', { a: 1, b: 2 });
return { text: r.text, order, refused, message, sum };

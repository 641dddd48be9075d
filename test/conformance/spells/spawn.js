// A child spell from a file (relative to this spell): its input, a signal from the parent, its result.
const child = await spell.spawn('children/greeter.lua', { name: 'Ada' });
await child.signal('extra', { n: 7 });
const result = await child.wait();
const failing = await spell.spawn('children/broken.js');
let e;
try { await failing.wait(); } catch (err) { e = err; }
return { result, failed: e.type, message: e.message.includes('SpellScriptError: child broke') };

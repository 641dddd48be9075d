// Children in every engine, started together, waited in order.
const js = await spell.spawn('children/double.js', 21);
const tengo = await spell.spawn('children/double.tengo', 4);
const lua = await spell.spawn('children/double.lua', 5);
const typeOf = async (promise) => { try { await promise; return 'none'; } catch (e) { return e.type; } };
const missing = await typeOf(spell.spawn('children/no-such-spell.lua'));
const unknown = await typeOf(spell.spawn({ engine: 'cobol', source: '' }));
return [await js.wait(), await tengo.wait(), await lua.wait(), missing, unknown];

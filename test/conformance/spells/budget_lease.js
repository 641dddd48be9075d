// A child's budget is a lease on what the parent has left; the child cannot spend past it.
const failure = async (promise) => { try { await promise; return null; } catch (e) { return e; } };
const e = await failure(spell.spawn('children/double.lua', 1, { budget: { max_tokens: 1000 } }));
const child = await spell.spawn('children/spender.tengo', null, { budget: { max_tokens: 12 } });
const e2 = await failure(child.wait());
return { over: e.type, child: e2.type, hit: e2.message.includes('SpellBudgetExceeded'), used: spell.usage().total_tokens };

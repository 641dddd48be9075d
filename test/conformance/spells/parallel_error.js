// The first uncaught branch error is raised at the call, naming the branch.
const fail = async (promise) => { try { await promise; return null; } catch (e) { return e; } };
const e = await fail(parallel([() => 1, () => { throw new Error('boom'); }]));
const e2 = await fail(parallel([() => 1, 'not a function']));
const e3 = await fail(parallel.map([1], (x) => x, { concurrency: 0 }));
return { ok: e === null, type: e.type, message: e.message, bad: e2.message, zero: e3.message };

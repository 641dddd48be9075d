const out = {};
try { await step("fails", async () => { throw { code: 1 }; }); out.ok = true; } catch (e) { out.ok = false; out.type = e.type; }
try { await step("fails too", async () => { const x = undefined; return x.y; }); out.ok2 = true; } catch (e) { out.ok2 = false; out.type2 = e.type; }
return out;

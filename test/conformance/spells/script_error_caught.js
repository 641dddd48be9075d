let ok = true, caught = false, ok2 = true;
try { throw new Error("custom failure"); } catch (e) { ok = false; caught = e !== undefined; }
try { const t = undefined; t.field; } catch (e) { ok2 = false; }
return { ok, caught, ok2 };

const out = {};
try { await tool.call("explode", { why: "test" }); out.ok = true; } catch (e) { out.ok = false; out.type = e.type; out.message = e.message; }
try { await tool.call("missing", {}); } catch (e) { out.type2 = e.type; }
return out;

const out = [];
try { await llm.generate({ prompt: 42 }); } catch (e) { out.push(e.type, e.message); }
try { await llm.generate({ prompt: "a", messages: [{ role: "user", content: "b" }] }); } catch (e) { out.push(e.message); }
try { state.set("", 1); } catch (e) { out.push(e.message); }
return out;

try { json.decode("{not json"); return { ok: true }; } catch (e) { return { ok: false, type: e.type }; }

const a = Math.random(), b = Math.random();
const t0 = Math.floor(Date.now() / 1000);
const r = await llm.generate({ prompt: "r " + Math.floor(a * 1000000) });
const c = Math.random();
return { a, b, c, differ: a !== b, t: t0 > 1700000000, later: Math.floor(Date.now() / 1000) >= t0, echoed: r.text === "echo: r " + Math.floor(a * 1000000) };

// An awaited tool's answer larger than an engine's call buffer, non-ASCII, delivered whole.
const v = await tool.call("repeat", { text: "ü", times: 100000 });
return { same: v === "ü".repeat(100000) };

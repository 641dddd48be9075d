event.emit("start", { n: 1 });
log.info("hello", { k: "v" });
log.warn("careful");
console.log("printed", 2);
const r = await llm.generate({ prompt: "logged" });
event.emit("done", { text: r.text });
return "ok";

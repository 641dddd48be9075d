event.emit("start", { n = 1 })
log.info("hello", { k = "v" })
log.warn("careful")
print("printed", 2)
local r = llm.generate{ prompt = "logged" }
event.emit("done", { text = r.text })
return "ok"

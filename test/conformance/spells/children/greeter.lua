-- A child spell (spawned by spawn.*): greets its input, then waits for a signal.
local greeting = llm.generate{ prompt = "hi " .. spell.input.name }.text
local extra = signal.wait("extra")
return { greeting = greeting, extra = extra }

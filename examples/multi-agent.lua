-- multi-agent.lua: two agents hand work over through run state; each run is a durable effect.
local writer = agent.create{ name = "writer", instructions = "Write one vivid sentence.", max_steps = 2 }
local editor = agent.create{ name = "editor", instructions = "Improve the sentence you are given.", max_steps = 2 }
state.set("draft", writer:run("A sentence about a lighthouse in fog.").text)
state.set("final", editor:run(state.get("draft")).text)
return { draft = state.get("draft"), final = state.get("final") }

-- streaming.lua: chunks arrive in on_chunk; they are journaled, so a replay sees the same ones.
local words = 0
local story = llm.stream{
  prompt = "Tell a two-sentence story about a lighthouse.",
  max_tokens = 48,
  on_chunk = function(chunk) words = words + 1 end,
}
event.emit("streamed", { chunks = #story.chunks })
return { story = story.text, chunks = words }

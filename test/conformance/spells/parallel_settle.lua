-- settle returns every outcome; a failing branch does not stop the others.
local outcomes = parallel.settle({
  function() return tool.call("add", { a = 1, b = 2 }) end,
  function() error("boom") end,
  function() return tool.call("explode", { why = "test" }) end,
})
local summary = {}
for i, o in ipairs(outcomes) do
  summary[i] = o.ok and ("ok " .. tostring(o.value)) or ("failed " .. o.error.type)
end
return summary

-- map.lua: a map over 1,000 items, ten at a time; each item is its own branch (a short chain
-- of activities), and the results come back in item order.
local count = (spell.input and spell.input.count) or 1000
local items = {}
for i = 1, count do items[i] = i end
local squares = parallel.map(items, function(n)
  return step("square " .. n, function() return n * n end)
end, { concurrency = 10 })
local sum = 0
for _, s in ipairs(squares) do sum = sum + s end
return { items = #squares, sum = sum, last = squares[#squares] }

-- Each item is a branch; a step inside each one; results in item order.
local doubled = parallel.map({ 1, 2, 3, 4, 5 }, function(x)
  return step("double " .. x, function() return x * 2 end)
end, { concurrency = 2 })
local empty = parallel({})
return { doubled = doubled, empty = #empty }

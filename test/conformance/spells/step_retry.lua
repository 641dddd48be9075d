local r = step("flaky", function()
  if spell.attempt < 2 then error("not yet") end
  return "worked on attempt " .. spell.attempt
end, { retry = { max_attempts = 3, backoff = 0.1 } })
return r

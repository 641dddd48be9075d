local t0 = os.time()
sleep(1)
local t1 = os.time()
return { slept = t1 - t0 >= 1 }

local v = signal.wait("never", { timeout = 1 })
return { timed_out = v == nil }

const v = await signal.wait("never", { timeout: 1 });
return { timed_out: v === undefined };

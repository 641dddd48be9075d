const t0 = Math.floor(Date.now() / 1000);
await sleep(1);
const t1 = Math.floor(Date.now() / 1000);
return { slept: t1 - t0 >= 1 };

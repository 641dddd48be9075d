// Each item is a branch; a step inside each one; results in item order.
const doubled = await parallel.map([1, 2, 3, 4, 5], (x) => step('double ' + x, async () => x * 2), { concurrency: 2 });
const empty = await parallel([]);
return { doubled, empty: empty.length };

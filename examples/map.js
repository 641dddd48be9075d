// map.js: a map over 1,000 items, ten at a time; each item is its own branch (a short chain
// of activities), and the results come back in item order.
const count = input?.count ?? 1000;
const items = Array.from({ length: count }, (_, i) => i + 1);
const squares = await parallel.map(items, (n) => step('square ' + n, async () => n * n), { concurrency: 10 });
return { items: squares.length, sum: squares.reduce((a, b) => a + b, 0), last: squares[squares.length - 1] };

// settle returns every outcome; a failing branch does not stop the others.
const outcomes = await parallel.settle([
  () => tool.call('add', { a: 1, b: 2 }),
  () => { throw new Error('boom'); },
  () => tool.call('explode', { why: 'test' }),
]);
return outcomes.map((o) => (o.ok ? 'ok ' + o.value : 'failed ' + o.error.type));

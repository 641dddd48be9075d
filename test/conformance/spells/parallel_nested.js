// A branch runs its own parallel call; state changes apply in branch order when the call returns.
state.set('seen', 'before');
const out = await parallel([
  async () => {
    state.set('order', 'first');
    return parallel([async () => (await llm.generate({ prompt: 'inner 1' })).text, () => 'inner 2']);
  },
  () => {
    const seen = state.get('seen');
    state.set('order', 'second');
    state.set('seen', 'changed in a branch');
    return seen;
  },
]);
return { out, order: state.get('order'), seen: state.get('seen') };

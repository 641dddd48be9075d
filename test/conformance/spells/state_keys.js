const k = 'a "quoted" \\ key: 1 é';
state.set(k, 1);
const got = state.get(k);
const message = (fn) => { try { fn(); } catch (e) { return e.message; } };
const empty = message(() => state.get(""));
const number = message(() => state.get(42));
const delete_empty = message(() => state.delete(""));
state.delete(k);
return { got, gone: state.get(k) === undefined, empty, number, delete_empty };

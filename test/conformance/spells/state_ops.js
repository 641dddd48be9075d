state.set("b", { x: 1 });
state.set("a", "one");
state.set("c", 3);
state.delete("c");
state.set("d", 4);
state.set("d", undefined);
return { keys: state.keys(), a: state.get("a"), b: state.get("b"), c: state.get("c") };

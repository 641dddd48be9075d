const a = await signal.wait("approve");
const b = await signal.wait("approve");
return { a, b };

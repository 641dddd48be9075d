// An output limit of 4 GiB: a limit past 32 bits is a limit, not 0 (or a negative number).
return { text: json.encode({ a: [1, 2] }), n: 3 };

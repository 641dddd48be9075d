return { from: 'javascript', doubled: input * 2 };

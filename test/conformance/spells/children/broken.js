// A child spell that fails.
throw new Error('child broke');

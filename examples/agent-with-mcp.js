// agent-with-mcp.js: an agent using the tools of an MCP server configured on the worker, e.g.
//   LLMSPELL_MCP_SERVERS='{"text": {"command": "node", "args": ["my-mcp-server.js"]}}'
const helper = agent.create({ name: 'helper', instructions: 'Use the text tools.', tools: ['mcp:text'], max_steps: 3 });
const r = await helper.run("Shout 'durable spells'.");
return { answer: r.text, steps: r.steps.length };

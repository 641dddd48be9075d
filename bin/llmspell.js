#!/usr/bin/env node
// Installed entry point: the built CLI (npm run build). Needs Node >= 24.
import '../dist/src/cli/bin.js';

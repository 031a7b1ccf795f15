#!/usr/bin/env node
// The `jina` executable of a gateway image: `jina gateway ...`, `jina ping ...`, bare flags.
import { runJinaCommand } from './jina-command.js';

process.exit(await runJinaCommand(process.argv.slice(2)));

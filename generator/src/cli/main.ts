#!/usr/bin/env node
/** The `create-gateway` bin. */
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2));

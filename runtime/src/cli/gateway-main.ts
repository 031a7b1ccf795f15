#!/usr/bin/env node
// The `gateway` executable: `gateway <Jina's gateway flags>`.
import { runGatewayCommand } from './gateway-command.js';

process.exit(await runGatewayCommand(process.argv.slice(2), undefined, 'gateway'));

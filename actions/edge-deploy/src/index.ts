import * as core from '@actions/core';
import { run } from '../../lib/action/run';
import { main } from './main';

await run(core, main);

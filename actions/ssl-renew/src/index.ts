import * as core from '@actions/core';
import { run } from '../../common/src/run';
import { main } from './main';

await run(core, main);

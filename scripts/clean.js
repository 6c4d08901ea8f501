'use strict';
// Removes build output so a stale file can never pass a check.
require('node:fs').rmSync(require('node:path').resolve(__dirname, '..', 'dist'), { recursive: true, force: true });

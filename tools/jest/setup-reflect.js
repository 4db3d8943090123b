// tsyringe reads decorator metadata through the Reflect polyfill; load it once per test file.
require('reflect-metadata');

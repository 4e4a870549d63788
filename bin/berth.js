#!/usr/bin/env node
// `berth`: runs the built JavaScript in dist/ with plain node, no TypeScript loader. A missing or
// stale build (src/ changed since) is rebuilt first, saying so on stderr, and never run as is.
// BERTH_FROM_SOURCE=1 runs src/ through tsx instead (development; the build is not looked at).
if (process.env.BERTH_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  await main(process.argv);
} else {
  const { ensureBuilt } = await import('../scripts/build.mjs');
  try {
    ensureBuilt({ log: (m) => process.stderr.write(`berth: ${m}\n`) });
  } catch (e) {
    process.stderr.write(`berth: dist/ is missing or out of date and could not be built; fix the error and run \`npm run build\`:\n${e.message}\n`);
    process.exit(1);
  }
  const { main } = await import('../dist/cli/main.js');
  await main(process.argv);
}

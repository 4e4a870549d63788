// Preloaded into a child process (NODE_OPTIONS=--import, since --cpu-prof is not allowed there)
// to write a V8 CPU profile to $BERTH_CPU_PROFILE_DIR when the process exits. Benchmarks only.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.BERTH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  // In the main thread the inspector answers synchronously, so this works in an exit handler.
  process.on('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `kubelet-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}

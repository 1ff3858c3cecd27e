import os
import subprocess
import sys
import tempfile
import textwrap

# A program whose main thread only waits while two worker threads compute.
TARGET = textwrap.dedent("""
    import threading, time

    def spin_in_worker(stop):
        n = 0
        while not stop.is_set():
            n += 1

    def main_waits(stop):
        time.sleep(1.0)
        stop.set()

    stop = threading.Event()
    workers = [threading.Thread(target=spin_in_worker, args=(stop,))
               for _ in range(2)]
    for w in workers:
        w.start()
    main_waits(stop)
    for w in workers:
        w.join()
""")


def profile(path, *options):
    # Python 3.15's sampling profiler, run on the target as a child process.
    cmd = [sys.executable, "-m", "profiling.sampling", "run", *options,
           "--pstats", path]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return done.stdout + done.stderr


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "target.py")
    with open(path, "w") as f:
        f.write(TARGET)
    main_only = profile(path)
    every_thread = profile(path, "--all-threads")

for label, report in (("default (main thread)", main_only),
                      ("--all-threads", every_thread)):
    print(f"{label}: main_waits sampled: {'main_waits' in report}, "
          f"spin_in_worker sampled: {'spin_in_worker' in report}")

import subprocess
import sys
import sysconfig
import threading
import time

# Question 1, the build: 1 on a free-threaded build (python3.13t, python3.14t),
# 0 on a default build of 3.13 and later, None before 3.13.
build_flag = sysconfig.get_config_var("Py_GIL_DISABLED")
print("Py_GIL_DISABLED:", build_flag)
print("built free-threaded:", build_flag == 1)

# Question 2, the run: sys._is_gil_enabled() exists from 3.13 on. Before
# that every CPython has a GIL, so the answer there is True.
probe = getattr(sys, "_is_gil_enabled", None)
if probe is None:
    print("sys._is_gil_enabled: missing (added in 3.13)")
gil_enabled = probe() if probe else True
print("GIL enabled:", gil_enabled)


# The check on the answer: do two CPU-bound threads run at the same time?
# Each thread's own time (CPU time for the countdown, time asleep for the
# control), added up and divided by the wall time the two took together,
# is about 1.0 or less if they took turns and about 2.0 if they overlapped.
def count_down():
    start, cpu0 = time.perf_counter(), time.thread_time()
    n = 1_000_000
    while n:  # pure Python: holds the GIL, if there is one, all the way
        n -= 1
    return start, time.perf_counter(), time.thread_time() - cpu0


def nap():
    start = time.perf_counter()
    time.sleep(0.2)  # releases the GIL while it waits
    end = time.perf_counter()
    return start, end, end - start


def overlap(job, rounds=3):
    own = wall = 0.0
    for _ in range(rounds):
        runs = []
        threads = [threading.Thread(target=lambda: runs.append(job()))
                   for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall += max(end for _, end, _ in runs) - min(start for start, _, _ in runs)
        own += sum(mine for _, _, mine in runs)
    return own / wall


sleepers = overlap(nap) > 1.4        # the control: proves overlap is visible
counters = overlap(count_down) > 1.4
print("two sleeping threads ran at the same time:", sleepers)
print("two CPU-bound threads ran at the same time:", counters)
print("CPU-bound threads overlapped exactly when the GIL is off:",
      counters == (not gil_enabled))


# The switches: start this Python again with -X gil=1 and -X gil=0.
def start_with(option):
    done = subprocess.run(
        [sys.executable, "-X", option, "-c",
         "import sys; f = getattr(sys, '_is_gil_enabled', None); "
         "print('no sys._is_gil_enabled' if f is None else f'GIL enabled: {f()}')"],
        capture_output=True, text=True, timeout=30)
    if done.returncode == 0:
        return "starts, " + done.stdout.strip()
    fatal = [line for line in done.stderr.splitlines() if "Fatal" in line]
    return "refuses to start: " + fatal[0].split(": ", 2)[-1]


print("-X gil=1:", start_with("gil=1"))
print("-X gil=0:", start_with("gil=0"))

import sys
import threading
import time

N = 1_000_000  # pure-Python work: a few tens of milliseconds per call
NAP = 0.2      # seconds: the control's blocking call


def count_down():
    # The countdown's own time: the CPU time this thread used.
    start, cpu0 = time.perf_counter(), time.thread_time()
    n = N
    while n:
        n -= 1
    return start, time.perf_counter(), time.thread_time() - cpu0


def nap():
    # The control's own time: the time it spent blocked in sleep().
    start = time.perf_counter()
    time.sleep(NAP)  # releases the GIL while it waits
    end = time.perf_counter()
    return start, end, end - start


def overlap(job, rounds=3):
    """The two threads' own times added up, divided by the wall time
    from the first one's start to the last one's end: about 1.0 if they
    took turns, about 2.0 if they ran at the same moments."""
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


probe = getattr(sys, "_is_gil_enabled", None)  # 3.13+; older builds: GIL
print("GIL enabled:", True if probe is None else probe())
print("two sleeping threads ran at the same time:", overlap(nap) > 1.4)
print("two CPU-bound threads ran at the same time:", overlap(count_down) > 1.4)

import threading
import time

TASKS = 8
DELAY = 0.1  # each task "waits for I/O" this long

results = []


def io_task(n):
    time.sleep(DELAY)  # blocking I/O releases the GIL while it waits
    results.append(n)


start = time.perf_counter()
threads = [threading.Thread(target=io_task, args=(n,)) for n in range(TASKS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.perf_counter() - start

serial = TASKS * DELAY  # the least a one-at-a-time loop could take
print("results:", sorted(results))
# Overlapped waits take about DELAY in total; half the serial time is a
# generous bound that a loaded machine still meets.
print("threads overlapped their waits:", elapsed < serial / 2)

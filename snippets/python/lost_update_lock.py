import threading
import time

THREADS = 4
TIMES = 500

counter = 0
lock = threading.Lock()
start = threading.Barrier(THREADS)  # release all threads at once


def increment(times):
    global counter
    start.wait()
    for _ in range(times):
        with lock:  # read-modify-write as one critical section
            value = counter
            time.sleep(0.0001)  # other threads run here, but cannot enter
            counter = value + 1


threads = [threading.Thread(target=increment, args=(TIMES,)) for _ in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()

print(f"{THREADS} threads x {TIMES} increments, counter = {counter}")
print("no update lost:", counter == THREADS * TIMES)

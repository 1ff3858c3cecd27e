import ctypes
import threading
import time

THREADS = 4
MICROSECONDS = 150_000

# CDLL releases the GIL around every foreign call; PyDLL keeps holding it
# (it exists for calling the Python C API). Same C function, both ways:
released = ctypes.CDLL(None).usleep  # None: the already-loaded C library
held = ctypes.PyDLL(None).usleep


def run(usleep):
    threads = [threading.Thread(target=usleep, args=(MICROSECONDS,))
               for _ in range(THREADS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


serial = THREADS * MICROSECONDS / 1e6  # 0.6 s one after another
# A sleep never ends early, so calls that hold the GIL take at least the
# serial time; calls that release it overlap and take about one sleep.
print("CDLL calls overlapped:", run(released) < serial * 0.75)
print("PyDLL calls overlapped:", run(held) < serial * 0.75)

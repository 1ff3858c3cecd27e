import sys
import threading

THREADS = 4
N = 1_000_000
counter = 0


def plain(start):
    global counter
    start.wait()
    for _ in range(N):
        counter += 1            # read, add, write: no call in between


def pause():
    pass


def with_call(start):
    global counter
    start.wait()
    for _ in range(N):
        value = counter         # read
        pause()                 # a call: a point where the GIL may change hands
        counter = value + 1     # write


def lost_updates(worker):
    global counter
    counter = 0
    start = threading.Barrier(THREADS)
    threads = [threading.Thread(target=worker, args=(start,))
               for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return THREADS * N - counter


gil = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
print("GIL enabled:", gil)
print("counter += 1 in a loop, lost updates:", lost_updates(plain))
print("read, call, write, some updates lost:", lost_updates(with_call) > 0)

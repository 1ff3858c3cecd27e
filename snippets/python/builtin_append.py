import threading
from collections import deque

THREADS = 4
ITEMS = 10_000
items = []
d = deque()
start = threading.Barrier(THREADS)


def fill(tid):
    start.wait()
    for i in range(ITEMS):
        # One call on a built-in container is atomic in CPython: no item
        # is lost or duplicated, with or without the GIL.
        items.append((tid, i))
        d.append(i)


threads = [threading.Thread(target=fill, args=(t,)) for t in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()

print("list length:", len(items), "deque length:", len(d))
print("no duplicates:", len(set(items)) == THREADS * ITEMS)

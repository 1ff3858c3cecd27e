import threading
import time
from collections import deque

THREADS = 4
ITEMS = 300
EXPECTED = THREADS * ITEMS


def racy_append(lst, item):
    """For comparison, an append made of two steps: read the length, then
    write at that position. Each step is one call; the pair is not atomic."""
    n = len(lst)
    time.sleep(0.0001)  # let other threads run between the two steps
    lst[n:] = [item]    # overwrites whatever they appended meanwhile


def run(append, container):
    start = threading.Barrier(THREADS)

    def fill(tid):
        start.wait()
        for i in range(ITEMS):
            append(container, (tid, i))
            time.sleep(0.0001)  # switch threads often, in every run

    threads = [threading.Thread(target=fill, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return container


for name, append, container in [("list.append", list.append, []),
                                ("deque.append", deque.append, deque())]:
    got = run(append, container)
    print(f"{name}: {len(got)} of {EXPECTED} items, each once:",
          len(set(got)) == EXPECTED)
got = run(racy_append, [])
print("two-step append lost items:", len(got) < EXPECTED)

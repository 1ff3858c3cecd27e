import queue
import threading

PRODUCERS = 2
CONSUMERS = 3
ITEMS_EACH = 100
STOP = object()  # sentinel: one per consumer

q = queue.Queue(maxsize=10)  # bounded: producers block when it is full
consumed = []                # list.append is atomic, no lock needed


def producer(pid):
    for i in range(ITEMS_EACH):
        q.put((pid, i))


def consumer():
    while True:
        item = q.get()
        try:
            if item is STOP:
                return
            consumed.append(item)
        finally:
            q.task_done()


producers = [threading.Thread(target=producer, args=(p,)) for p in range(PRODUCERS)]
consumers = [threading.Thread(target=consumer) for _ in range(CONSUMERS)]
for t in producers + consumers:
    t.start()
for t in producers:
    t.join()
for _ in consumers:
    q.put(STOP)  # after all real items, so nothing is left behind
q.join()         # returns once every put() has a matching task_done()
for t in consumers:
    t.join()

produced = {(p, i) for p in range(PRODUCERS) for i in range(ITEMS_EACH)}
print("produced:", len(produced), "consumed:", len(consumed))
print("every item consumed exactly once:", sorted(consumed) == sorted(produced))
print("queue empty at the end:", q.empty())

# Back-pressure: put() on a full queue blocks (here until its timeout).
small = queue.Queue(maxsize=1)
small.put("first")
try:
    small.put("second", timeout=0.05)
except queue.Full:
    print("put() on a full Queue(maxsize=1) blocked, then raised queue.Full")

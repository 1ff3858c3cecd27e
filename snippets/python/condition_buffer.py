import threading
import time
from collections import deque

CAPACITY = 3
buffer = deque()
cond = threading.Condition()  # one lock, used by both sides
max_seen = 0


def put(item):
    global max_seen
    with cond:
        cond.wait_for(lambda: len(buffer) < CAPACITY)  # re-checks on wakeup
        buffer.append(item)
        max_seen = max(max_seen, len(buffer))
        cond.notify_all()


def get():
    with cond:
        cond.wait_for(lambda: len(buffer) > 0)
        item = buffer.popleft()
        cond.notify_all()
        return item


produced, consumed = [], []


def producer(start):
    for n in range(start, start + 100):
        put(n)
        produced.append(n)


def consumer():
    while (item := get()) is not None:  # None is the stop sentinel
        consumed.append(item)


producers = [threading.Thread(target=producer, args=(s,)) for s in (0, 1000)]
for t in producers:
    t.start()
# No consumer yet: the producers fill the buffer and must then wait.
with cond:
    cond.wait_for(lambda: len(buffer) >= CAPACITY)
time.sleep(0.1)  # room for a producer that did not wait to overfill it
print("with no consumer, buffer holds:", len(buffer),
      "| producers still waiting:", all(t.is_alive() for t in producers))

consumers = [threading.Thread(target=consumer) for _ in range(2)]
for t in consumers:
    t.start()
for t in producers:
    t.join()
for _ in consumers:
    put(None)
for t in consumers:
    t.join()

print("items produced:", len(produced), "consumed:", len(consumed))
print("sums match:", sum(produced) == sum(consumed))
print("largest buffer length seen:", max_seen)

import queue
import threading

q = queue.Queue()
consumed = []


def consumer():
    while True:
        try:
            item = q.get()  # raises queue.ShutDown once shut down and empty
        except queue.ShutDown:  # Python 3.13+
            return
        consumed.append(item)
        q.task_done()


consumers = [threading.Thread(target=consumer) for _ in range(3)]
for t in consumers:
    t.start()
for n in range(30):
    q.put(n)
q.shutdown()  # no sentinels: waiting consumers wake up once it is drained
for t in consumers:
    t.join(timeout=10)

print("all consumers exited:", not any(t.is_alive() for t in consumers))
print("consumed:", sorted(consumed) == list(range(30)))
try:
    q.put(99)
except queue.ShutDown:
    print("put() after shutdown raises queue.ShutDown")

import threading

counter = 0
# The barrier forces the bad interleaving: both threads read before
# either one writes, so the result is the same on every run.
barrier = threading.Barrier(2)


def increment():
    global counter
    value = counter      # 1. read
    barrier.wait()       # 2. wait until the other thread has read too
    counter = value + 1  # 3. write: the second write overwrites the first


threads = [threading.Thread(target=increment) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()

print("two increments, counter =", counter)

import threading
import time

go = threading.Event()  # holds the workers back until main has looked


def square(n, results, index):
    go.wait()
    time.sleep(0.05)  # some work, so a join that did not wait would show
    # Each thread writes only its own slot, so no lock is needed.
    results[index] = n * n


numbers = [3, 1, 4, 1, 5, 9, 2, 6]
results = [None] * len(numbers)

threads = [
    threading.Thread(target=square, args=(n, results, i), name=f"square-{i}")
    for i, n in enumerate(numbers)
]
for t in threads:
    t.start()  # returns at once; the thread runs on its own
print("after start(), all alive:", all(t.is_alive() for t in threads))
print("after start(), results:", results)
go.set()
for t in threads:
    t.join()  # wait until the thread has finished

print("after join(), results:", results)
print("any thread still alive:", any(t.is_alive() for t in threads))
print("threads running now:", threading.active_count())

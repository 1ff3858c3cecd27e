import threading


def square(n, results, index):
    # Each thread writes only its own slot, so no lock is needed.
    results[index] = n * n


numbers = [3, 1, 4, 1, 5, 9, 2, 6]
results = [None] * len(numbers)

threads = [
    threading.Thread(target=square, args=(n, results, i), name=f"square-{i}")
    for i, n in enumerate(numbers)
]
for t in threads:
    t.start()
for t in threads:
    t.join()  # wait until the thread has finished

print("results:", results)
print("any thread still alive:", any(t.is_alive() for t in threads))
print("threads running now:", threading.active_count())

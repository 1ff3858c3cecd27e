import threading

lock = threading.Lock()
with lock:
    # A plain Lock has no owner: a second acquire by the same thread would
    # wait forever. The timeout turns that self-deadlock into False.
    print("Lock acquired again by its holder:", lock.acquire(timeout=0.1))

rlock = threading.RLock()


def total(tree):
    # A recursive function that takes the lock at every level.
    with rlock:
        return tree["value"] + sum(total(child) for child in tree["children"])


tree = {"value": 1, "children": [
    {"value": 2, "children": []},
    {"value": 3, "children": [{"value": 4, "children": []}]},
]}
print("RLock re-entered by its holder, total =", total(tree))

outcome = []


def release_someone_elses_lock():
    try:
        rlock.release()
    except RuntimeError:
        outcome.append("RuntimeError")


with rlock:
    # An RLock has an owner, and only the owner may release it.
    t = threading.Thread(target=release_someone_elses_lock)
    t.start()
    t.join()
print("another thread releasing the RLock gets:", *outcome)

import threading

lock_a = threading.Lock()
lock_b = threading.Lock()
LOCK_ORDER = {id(lock_a): 0, id(lock_b): 1}  # one global ranking
ROUNDS = 20_000
transfers = 0


def acquire_in_order(*locks):
    return sorted(locks, key=lambda lock: LOCK_ORDER[id(lock)])


def transfer(first, second):
    global transfers
    for _ in range(ROUNDS):
        # The caller's order no longer matters: every thread takes A
        # before B, so no thread can hold B while waiting for A.
        low, high = acquire_in_order(first, second)
        with low, high:
            transfers += 1


t1 = threading.Thread(target=transfer, args=(lock_a, lock_b))
t2 = threading.Thread(target=transfer, args=(lock_b, lock_a))
t1.start()
t2.start()
t1.join(timeout=10)
t2.join(timeout=10)
print("deadlocked:", t1.is_alive() or t2.is_alive())
print("transfers:", transfers)

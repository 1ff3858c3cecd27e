import threading

lock_a = threading.Lock()
lock_b = threading.Lock()
# Three parties: both workers and the main thread. When it opens, each
# worker holds its first lock, so the bad interleaving happens every time.
both_hold_one = threading.Barrier(3)


def transfer(first, second):
    with first:
        both_hold_one.wait()
        with second:  # blocks forever: the other thread holds it
            pass


t1 = threading.Thread(target=transfer, args=(lock_a, lock_b))  # A then B
t2 = threading.Thread(target=transfer, args=(lock_b, lock_a))  # B then A
t1.start()
t2.start()
both_hold_one.wait()
print("thread 1 holds A and wants B; thread 2 holds B and wants A", flush=True)
t1.join()  # never returns: the build kills the process at the time limit
print("unreachable")

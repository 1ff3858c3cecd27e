import threading
import time

N = 1_000_000  # pure-Python work: a few tens of milliseconds per call


def count_down(n):
    while n:
        n -= 1


def two_threads():
    threads = [threading.Thread(target=count_down, args=(N,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# CPU time counts every thread of the process; wall time is what the user
# waits. If the two threads ran on two cores at once, the process would
# burn CPU time about twice as fast as the wall clock advances.
cpu = wall = 0.0
for _ in range(3):
    cpu0, wall0 = time.process_time(), time.perf_counter()
    two_threads()
    cpu += time.process_time() - cpu0
    wall += time.perf_counter() - wall0
cores_used = cpu / wall

# With the GIL only one thread runs bytecode at a time: cores_used stays at
# or below about 1.0, and other load on the machine only lowers it. Two
# truly parallel threads would approach 2.0; the verdict flips above 1.4.
print("two CPU-bound threads ran in parallel:", cores_used > 1.4)

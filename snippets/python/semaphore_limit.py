import threading
import time

LIMIT = 3
WORKERS = 12  # a multiple of LIMIT
slots = threading.BoundedSemaphore(LIMIT)
# Holds every worker inside the guarded section until LIMIT of them are
# there together, so the peak is reached on every run, however slow.
together = threading.Barrier(LIMIT)
stats_lock = threading.Lock()
active = max_active = finished = 0


def download(n):
    global active, max_active, finished
    with slots:  # at most LIMIT threads get past this line at once
        with stats_lock:
            active += 1
            max_active = max(max_active, active)
        together.wait(timeout=10)
        time.sleep(0.02)  # the rate-limited work; others try to get in now
        with stats_lock:
            active -= 1
            finished += 1


threads = [threading.Thread(target=download, args=(n,)) for n in range(WORKERS)]
for t in threads:
    t.start()
for t in threads:
    t.join()

print("workers finished:", finished)
print("peak of workers inside at once:", max_active)

try:
    slots.release()  # one release too many
except ValueError as exc:
    print("BoundedSemaphore caught the extra release:", exc)

import threading
import time

LIMIT = 3
slots = threading.BoundedSemaphore(LIMIT)
stats_lock = threading.Lock()
active = max_active = finished = 0


def download(n):
    global active, max_active, finished
    with slots:  # at most LIMIT threads get past this line at once
        with stats_lock:
            active += 1
            max_active = max(max_active, active)
        time.sleep(0.02)  # the rate-limited work
        with stats_lock:
            active -= 1
            finished += 1


threads = [threading.Thread(target=download, args=(n,)) for n in range(12)]
for t in threads:
    t.start()
for t in threads:
    t.join()

print("workers finished:", finished)
print(f"max_active <= {LIMIT}:", max_active <= LIMIT)

try:
    slots.release()  # one release too many
except ValueError as exc:
    print("BoundedSemaphore caught the extra release:", exc)

import threading
from concurrent.futures import ThreadPoolExecutor

started = threading.Event()
release = threading.Event()


def blocker():
    started.set()
    release.wait(timeout=10)
    return "blocker done"


def job(n):
    return f"job {n} done"


with ThreadPoolExecutor(max_workers=1) as pool:
    first = pool.submit(blocker)
    started.wait(timeout=10)  # the single worker is now busy
    queued = [pool.submit(job, n) for n in range(3)]

    # A running call cannot be interrupted; a queued one can be cancelled.
    print("cancel running future:", first.cancel())
    print("cancel queued job 1:", queued[1].cancel())
    release.set()

print(first.result())
for f in queued:
    print("cancelled" if f.cancelled() else f.result())

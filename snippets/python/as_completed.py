import time
from concurrent.futures import ThreadPoolExecutor, as_completed


def slow_square(n):
    time.sleep(0.01 * (5 - n))  # later inputs finish sooner
    return n, n * n


with ThreadPoolExecutor(max_workers=5) as pool:
    futures = [pool.submit(slow_square, n) for n in range(5)]
    # as_completed yields each future as soon as it is done: the order of
    # these lines depends on timing, so the check compares them as a set.
    for future in as_completed(futures, timeout=10):
        n, sq = future.result()
        print(f"{n} squared is {sq}")

import time
from concurrent.futures import ThreadPoolExecutor

PAGES = ["index", "about", "blog", "contact", "faq", "news"]


def fetch(page):
    time.sleep(0.05)  # stands in for a network call
    return f"{page}.html: {len(page) * 100} bytes"


with ThreadPoolExecutor(max_workers=3) as pool:
    # map() runs the calls concurrently but yields results in input order.
    for line in pool.map(fetch, PAGES):
        print(line)

    # submit() returns a Future; result() waits and re-raises exceptions.
    future = pool.submit(int, "not a number")
    try:
        future.result(timeout=5)
    except ValueError as exc:
        print("the worker's exception reached the caller:", type(exc).__name__)
# Leaving the with block calls shutdown(wait=True): all workers are joined.
print("pool shut down")

import asyncio
import time


async def fetch(name, delay):
    await asyncio.sleep(delay)  # yields to the event loop while waiting
    return f"{name} after {delay:.2f}s"


async def main():
    delays = {"a": 0.25, "b": 0.05, "c": 0.15, "d": 0.10}
    start = time.perf_counter()
    # gather runs the coroutines concurrently on one thread and returns
    # their results in argument order, not in completion order.
    results = await asyncio.gather(*(fetch(n, d) for n, d in delays.items()))
    elapsed = time.perf_counter() - start
    for line in results:
        print(line)
    # Serially this would take the sum (0.55 s); concurrently, the maximum.
    print("ran concurrently:", elapsed < 0.9 * sum(delays.values()))


asyncio.run(main())

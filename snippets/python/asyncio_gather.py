import asyncio

finished = []           # completion order
waiting = max_waiting = 0


async def fetch(name, delay):
    global waiting, max_waiting
    waiting += 1
    max_waiting = max(max_waiting, waiting)
    await asyncio.sleep(delay)  # yields to the event loop while waiting
    waiting -= 1
    finished.append(name)
    return f"{name} after {delay:.2f}s"


async def main():
    delays = {"a": 0.25, "b": 0.05, "c": 0.15, "d": 0.10}
    # gather runs the coroutines concurrently on one thread and returns
    # their results in argument order, not in completion order.
    results = await asyncio.gather(*(fetch(n, d) for n, d in delays.items()))
    for line in results:
        print(line)
    print("completion order:", " ".join(finished))
    # One at a time, this would be 1; all four waited at once.
    print("coroutines waiting at the same time:", max_waiting)


asyncio.run(main())

import asyncio
import threading

results = []
seen = []


async def handle(n):
    # Always runs in the event loop's thread.
    await asyncio.sleep(0.01)
    return n * n, threading.current_thread().name


def worker(loop, n):
    # A plain thread hands a coroutine to the loop and waits for its result.
    future = asyncio.run_coroutine_threadsafe(handle(n), loop)
    results.append(future.result(timeout=5))
    # Or schedules a plain callback on the loop, without waiting.
    loop.call_soon_threadsafe(seen.append, n)


async def main():
    loop = asyncio.get_running_loop()
    threading.current_thread().name = "loop-thread"
    threads = [threading.Thread(target=worker, args=(loop, n)) for n in range(4)]
    for t in threads:
        t.start()
    # Waiting for the threads must not block the loop: they need it.
    await asyncio.to_thread(lambda: [t.join() for t in threads])
    await asyncio.sleep(0)           # let the last callbacks run
    print(sorted(r[0] for r in results))
    print("coroutines ran in:", {r[1] for r in results})
    print("callbacks ran for:", sorted(seen))


asyncio.run(main())

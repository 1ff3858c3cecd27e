import asyncio

LIMIT = 3
in_flight = 0
peak = 0


async def fetch(n, gate):
    global in_flight, peak
    async with gate:                 # at most LIMIT requests at a time
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)    # stands in for a network request
        in_flight -= 1
    return n


async def main(gate):
    global peak
    peak = 0
    results = await asyncio.gather(*(fetch(n, gate) for n in range(20)))
    return results == list(range(20)), peak


class NoLimit:
    async def __aenter__(self):
        pass

    async def __aexit__(self, *exc):
        pass


print("with Semaphore(3): all results, peak in flight =",
      asyncio.run(main(asyncio.Semaphore(LIMIT))))
print("without a limit:   all results, peak in flight =",
      asyncio.run(main(NoLimit())))

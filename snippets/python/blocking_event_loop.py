import asyncio
import time

ticks = 0


async def heartbeat():
    global ticks
    while True:
        await asyncio.sleep(0.02)
        ticks += 1


async def main():
    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.05)  # let the heartbeat get going

    before = ticks
    time.sleep(0.3)  # blocking call: the whole event loop stops here
    print("heartbeat ticks during time.sleep(0.3):", ticks - before)

    before = ticks
    await asyncio.to_thread(time.sleep, 0.3)  # runs in a worker thread
    print("heartbeat kept ticking during asyncio.to_thread:", ticks - before >= 3)

    beat.cancel()


asyncio.run(main())

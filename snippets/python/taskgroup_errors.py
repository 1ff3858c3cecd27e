import asyncio

log = []


async def quick():
    await asyncio.sleep(0.01)
    return "quick result"


async def failing():
    await asyncio.sleep(0.05)
    raise ValueError("bad input")


async def slow():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        log.append("slow task was cancelled")
        raise  # never swallow cancellation


async def main():
    try:
        async with asyncio.TaskGroup() as tg:  # Python 3.11+
            done = tg.create_task(quick())
            tg.create_task(failing())
            pending = tg.create_task(slow())
    except* ValueError as group:
        # The TaskGroup waits for every task, then raises an ExceptionGroup.
        for exc in group.exceptions:
            print("caught:", repr(exc))
    print(*log, sep="\n")
    print("quick task kept its result:", done.result())
    print("slow task cancelled():", pending.cancelled())


asyncio.run(main())

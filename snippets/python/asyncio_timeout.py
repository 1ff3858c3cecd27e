import asyncio

events = []


async def slow_query():
    try:
        await asyncio.sleep(10)
        return "rows"
    except asyncio.CancelledError:
        events.append("slow_query saw CancelledError at its await")
        raise  # let the cancellation finish


async def main():
    try:
        await asyncio.wait_for(slow_query(), timeout=0.05)
    except TimeoutError:  # asyncio.TimeoutError is TimeoutError since 3.11
        events.append("wait_for raised TimeoutError")

    try:
        async with asyncio.timeout(0.05):  # Python 3.11+
            await slow_query()
    except TimeoutError:
        events.append("asyncio.timeout raised TimeoutError")

    print(*events, sep="\n")


asyncio.run(main())

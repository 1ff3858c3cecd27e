import asyncio
import contextvars

request_id = contextvars.ContextVar("request_id", default="none")


async def handle(n):
    request_id.set(f"req-{n}")  # each task runs in a copy of the context
    await asyncio.sleep(0.01 * (3 - n))  # the tasks interleave here
    return f"task {n} read back {request_id.get()}"


async def main():
    # threading.local would not help here: all tasks share one thread.
    for line in await asyncio.gather(*(handle(n) for n in range(4))):
        print(line)
    print("main task still sees:", request_id.get())


asyncio.run(main())

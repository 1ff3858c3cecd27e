import asyncio
import contextvars
import threading

request_id = contextvars.ContextVar("request_id", default="unset")


def blocking_work(label):
    # Runs in a worker thread of the default executor.
    in_loop_thread = threading.current_thread() is threading.main_thread()
    return f"{label}: request_id={request_id.get()}, in loop thread={in_loop_thread}"


async def main():
    request_id.set("r-42")
    loop = asyncio.get_running_loop()
    print(await asyncio.to_thread(blocking_work, "to_thread"))
    print(await loop.run_in_executor(None, blocking_work, "run_in_executor"))


asyncio.run(main())

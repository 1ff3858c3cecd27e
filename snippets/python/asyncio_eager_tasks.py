import asyncio

log = []


async def lookup(key, cache):
    log.append(f"{key}: started")
    if key in cache:
        return cache[key]          # no await reached: finishes at once
    await asyncio.sleep(0)
    log.append(f"{key}: resumed after await")
    return key.upper()


async def run(eager):
    loop = asyncio.get_running_loop()
    loop.set_task_factory(asyncio.eager_task_factory if eager else None)
    log.clear()
    task = asyncio.create_task(lookup("hit", {"hit": "cached"}))
    log.append(f"after create_task, done={task.done()}")
    await task
    other = asyncio.create_task(lookup("miss", {}))
    log.append(f"after create_task, done={other.done()}")
    await other
    print("eager" if eager else "default", log)


asyncio.run(run(eager=False))
asyncio.run(run(eager=True))

import threading

go = threading.Event()    # start signal
stop = threading.Event()  # shutdown request
ready = threading.Barrier(4)  # three workers + main
laps = {}


def runner(name):
    ready.wait()
    go.wait()  # all runners block here until main sets the event
    n = 0
    while True:
        n += 1  # one unit of work
        # Sleep between units, but wake at once when stop is set: wait()
        # returns True if the event is set, False if the timeout ran out.
        if stop.wait(0.005):
            break
    laps[name] = n


threads = [threading.Thread(target=runner, args=(f"runner-{i}",)) for i in range(3)]
for t in threads:
    t.start()
ready.wait()
print("wait(timeout) before set() returns:", go.wait(timeout=0.01))
go.set()  # wakes every waiter, now and later
print("wait() after set() returns:", go.wait())
stop.wait(0.05)
stop.set()
for t in threads:
    t.join()
print("runners stopped:", sorted(laps))

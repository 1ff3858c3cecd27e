import threading

go = threading.Event()    # start signal
stop = threading.Event()  # shutdown request
ready = threading.Barrier(4)    # three runners + main: all started
running = threading.Barrier(4)  # three runners + main: all past go.wait()
stopped = []


def runner(name):
    ready.wait()
    go.wait()  # all runners block here until main sets the event
    running.wait()
    # Sleep up to a minute between units of work, but wake at once when
    # stop is set: wait() returns True if the event is set, False if the
    # timeout ran out.
    while not stop.wait(60):
        pass  # one unit of work
    stopped.append(name)


threads = [threading.Thread(target=runner, args=(f"runner-{i}",)) for i in range(3)]
for t in threads:
    t.start()
ready.wait()
print("wait(timeout) before set() returns:", go.wait(timeout=0.01))
go.set()  # wakes every waiter, now and later
print("wait() after set() returns:", go.wait())
running.wait(timeout=5)  # raises BrokenBarrierError if a runner is stuck
print("all three runners got past go.wait()")
stop.set()  # the runners are in, or about to enter, stop.wait(60)
for t in threads:
    t.join()
print("runners stopped:", sorted(stopped))

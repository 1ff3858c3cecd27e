import multiprocessing
import time

PROCS = 3
ROUNDS = 300


def add_unlocked(counter, all_read):
    value = counter.value      # 1. read the shared int
    all_read.wait()            # 2. wait until every process has read it
    counter.value = value + 1  # 3. write: each overwrites the others


def add_locked(counter, start, rounds):
    start.wait()  # all processes begin together
    for _ in range(rounds):
        with counter.get_lock():  # one lock, shared by every process
            value = counter.value
            time.sleep(0.0001)  # the others run now, but wait at the lock
            counter.value = value + 1


def run(target, counter, *args):
    procs = [multiprocessing.Process(target=target, args=(counter, *args))
             for _ in range(PROCS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    return [p.exitcode for p in procs]


if __name__ == "__main__":
    # A raw C int in shared memory, with no lock: the race, forced.
    raw = multiprocessing.Value("i", 0, lock=False)
    codes = run(add_unlocked, raw, multiprocessing.Barrier(PROCS))
    print("exit codes:", codes)
    print(f"{PROCS} unlocked increments, counter =", raw.value)

    # The same C int with its lock, which works across processes.
    counter = multiprocessing.Value("i", 0)
    codes = run(add_locked, counter, multiprocessing.Barrier(PROCS), ROUNDS)
    print("exit codes:", codes)
    print(f"{PROCS} x {ROUNDS} locked increments, counter =", counter.value)

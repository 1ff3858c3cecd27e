import multiprocessing

ROUNDS = 1000


def add(counter, rounds):
    for _ in range(rounds):
        with counter.get_lock():  # += on shared memory is not atomic
            counter.value += 1


if __name__ == "__main__":
    # A C int in shared memory, with a lock that works across processes.
    counter = multiprocessing.Value("i", 0)
    procs = [multiprocessing.Process(target=add, args=(counter, ROUNDS))
             for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print("exit codes:", [p.exitcode for p in procs])
    print("counter =", counter.value)

import multiprocessing


def square(n):
    return n * n


# The guard matters: with the "spawn" and "forkserver" start methods each
# worker process imports this file, and must not start a pool of its own.
if __name__ == "__main__":
    with multiprocessing.Pool(processes=2) as pool:
        print(pool.map(square, range(10)))  # order of the input is kept
        total = sum(pool.map(square, range(1000), chunksize=100))
    print("sum of squares below 1000:", total)
    print("same as serial:", total == sum(n * n for n in range(1000)))

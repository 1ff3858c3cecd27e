import itertools
from concurrent.futures import ThreadPoolExecutor

taken = 0


def numbers(limit=None):
    global taken
    taken = 0
    for n in itertools.count() if limit is None else range(limit):
        taken = n + 1
        yield n


def square(n):
    return n * n


with ThreadPoolExecutor(max_workers=2) as pool:
    # Without buffersize, map() consumes the whole input before it returns.
    results = pool.map(square, numbers(limit=1000))
    first = next(results)
    print("no buffersize, 1000 inputs: taken before the first result:", taken)

    # With buffersize (3.14), it stays a few items ahead of the consumer,
    # so even an endless iterator works.
    results = pool.map(square, numbers(), buffersize=4)
    first = [next(results) for _ in range(5)]
    print("buffersize=4, endless input: first results:", first)
    print("buffersize=4: at most 5 + 4 inputs taken:", taken <= 9)

import random
import threading


def draws(rng, n=5):
    return [rng.randrange(1000) for _ in range(n)]


# Reference: what a generator seeded with 7 produces, without threads.
expected = draws(random.Random(7))

# Shared module-level generator: two threads take turns drawing, forced
# into a fixed alternation with a pair of events, as a scheduler might.
random.seed(7)
mine, theirs = [], []
my_turn, their_turn = threading.Event(), threading.Event()


def alternate(out, wait_for, then_signal):
    for _ in range(5):
        wait_for.wait()
        wait_for.clear()
        out.append(random.randrange(1000))
        then_signal.set()


a = threading.Thread(target=alternate, args=(mine, my_turn, their_turn))
b = threading.Thread(target=alternate, args=(theirs, their_turn, my_turn))
a.start()
b.start()
my_turn.set()
a.join()
b.join()
print("shared generator, thread's draws match seed 7:", mine == expected)

# One Random instance per thread: each thread's sequence is its own.
results = {}


def own_generator(name):
    results[name] = draws(random.Random(7))


threads = [threading.Thread(target=own_generator, args=(f"t{i}",)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("per-thread Random(7), every thread's draws match:",
      all(r == expected for r in results.values()))

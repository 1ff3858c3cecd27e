import threading

WORKERS = 3
PHASES = 3
arrivals = [[] for _ in range(PHASES)]
report = []


def phase_done():
    # Runs once per phase, in one thread, after all parties have arrived
    # and before any of them is released into the next phase.
    phase = len(report)
    later = sum(len(a) for a in arrivals[phase + 1:])
    report.append(f"phase {phase}: {len(arrivals[phase])} arrivals, "
                  f"{later} from later phases")


barrier = threading.Barrier(WORKERS, action=phase_done)
indices = [[] for _ in range(PHASES)]  # wait() results, phase by phase


def worker(name):
    for phase in range(PHASES):
        arrivals[phase].append(name)  # this phase's work
        indices[phase].append(barrier.wait(timeout=10))  # 0..WORKERS-1, unique per phase


threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(WORKERS)]
for t in threads:
    t.start()
for t in threads:
    t.join()

print(*report, sep="\n")
for phase, got in enumerate(indices):
    # Sorted, because which thread gets which index is not fixed.
    print(f"phase {phase}: wait() returned", sorted(got))

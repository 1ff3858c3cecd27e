import threading

local = threading.local()  # each thread sees its own attributes
all_set = threading.Barrier(4)
seen = []


def handle(request_id):
    local.request_id = request_id
    all_set.wait()  # every thread has now written its own value
    seen.append((request_id, local.request_id))


threads = [threading.Thread(target=handle, args=(f"req-{n}",)) for n in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()

for mine, read_back in sorted(seen):
    print(f"{mine} read back {read_back}")
print("main thread has a request_id:", hasattr(local, "request_id"))
